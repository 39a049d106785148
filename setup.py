"""Compiled kernels for detection's hot loops (Cython), built when a C compiler is present.

Everything else about the package is in pyproject.toml. Each extension is optional: where it
cannot be built (no compiler), the install still succeeds and Vigil uses the numpy code
path that computes the same numbers, only slower (each module says where it imports its
kernel).
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

KERNELS = ["ngram_kernel", "lid_kernel", "prefilter_kernel"]

setup(
    ext_modules=cythonize(
        [
            Extension(
                f"vigil.detection._{name}",
                [f"src/vigil/detection/_{name}.pyx"],
                optional=True,
                extra_compile_args=["-O3", "-g0"],
            )
            for name in KERNELS
        ],
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    )
)
