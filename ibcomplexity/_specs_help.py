"""The spec lists of kernels and architectures, as help text (for the CLI and the library).

Kept apart from :mod:`ibcomplexity.hypotheses` so that ``ibc --help`` prints them without
importing JAX or Flax.
"""

__all__ = ["ARCH_SPECS", "KERNEL_SPECS"]

KERNEL_SPECS = """\
Kernel specs (NAME or NAME:KEY=VALUE,KEY=VALUE):
  rbf[:bandwidth=L]        exp(-r^2 / 2 L^2)
  laplace[:bandwidth=L]    exp(-r / L)
  matern32[:bandwidth=L]   (1 + sqrt3 r/L) exp(-sqrt3 r/L)
  matern52[:bandwidth=L]   (1 + sqrt5 r/L + 5 r^2/3L^2) exp(-sqrt5 r/L)
  nngp[:depth=D,sigma_w2=W,sigma_b2=B]   ReLU network GP (defaults 1, 2.0, 0.0)
  py:MODULE:FUNCTION[:KEY=VALUE,...]     your own: FUNCTION(x1, x2, **options) returns the
                           (n1, n2) Gram matrix in jax.numpy; a bandwidth option, if it takes
                           one, defaults to median; MODULE is a module name or a .py file
L is a positive number or 'median' (the default: median pairwise distance of training inputs)."""

ARCH_SPECS = """\
  mlp[:width=W,depth=D,act=A,init=I]   D hidden layers of W units (defaults 512, 2, relu, lecun)
  reference[:width=W,depth=D]          the authors' MLP: D+1 hidden ReLU layers, PyTorch init
                                       (defaults 512, 1)
  cnn[:channels=C1-C2,kernel=K,dense=H,act=A,image=HxWxC]
                                       LeNet-style CNN (defaults 32-64, 5, 128, relu)
  mixer[:patch=P,dim=D,depth=L,act=A,image=HxWxC]
                                       MLP-Mixer (defaults 4, 64, 2, gelu)
  rf[:width=W,act=A]                   fixed random ReLU features, trained readout (1024, relu)
  linear                               linear model
  py:MODULE:FACTORY[:KEY=VALUE,...]    your own flax.linen module: FACTORY(**options) returns
                                       it, given outputs=k and input_shape=(H, W, C) or (d,)
                                       when it takes them; MODULE is a module name (imported
                                       from the current folder first) or a .py file's path
activations: relu, gelu, tanh, sigmoid, silu, elu, softplus; init: lecun (flax) or torch.
cnn and mixer need the image shape: image=28x28x1 (MNIST), 8x8x1 (digits), 32x32x3 (CIFAR-10),
or an input_shape (H, W, C)."""
