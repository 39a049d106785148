import numpy as np
import numpy.typing as npt

DROP: int
ODD: int
ODD_BIT: int

def masks(
    texts: list[str],
    classes: npt.NDArray[np.uint16],
    delta: npt.NDArray[np.int32],
    accept: npt.NDArray[np.uint32],
    squeeze: bool,
    out: npt.NDArray[np.uint32],
) -> None: ...
