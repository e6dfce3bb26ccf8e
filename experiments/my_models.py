# my_models.py
import flax.linen as nn


class SmallConvNet(nn.Module):
    """Two 3x3 convolutions, each with a ReLU and 2x2 max-pooling, then a dense readout."""

    outputs: int  # the number of classes: ibc passes it
    input_shape: tuple  # the image shape, (28, 28, 1) for MNIST: ibc passes it
    channels: int = 8

    @nn.compact
    def __call__(self, x):
        x = x.reshape((x.shape[0], *self.input_shape))  # ibc gives flattened inputs
        for c in (self.channels, 2 * self.channels):
            x = nn.relu(nn.Conv(c, (3, 3))(x))
            x = nn.max_pool(x, (2, 2), strides=(2, 2))
        return nn.Dense(self.outputs)(x.reshape((x.shape[0], -1)))
