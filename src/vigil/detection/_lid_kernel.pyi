import numpy as np
import numpy.typing as npt

def word_table(
    hashes: npt.NDArray[np.uint32],
    rows: npt.NDArray[np.int64],
    keys: npt.NDArray[np.uint32],
    vals: npt.NDArray[np.int32],
) -> None: ...
def predict(
    data: npt.NDArray[np.uint8],
    word_keys: npt.NDArray[np.uint32],
    word_vals: npt.NDArray[np.int32],
    longest: int,
    eos: int,
    ngram_rows: npt.NDArray[np.uint16],
    bucket: int,
    minn: int,
    maxn: int,
    rows: npt.NDArray[np.float32],
    output: npt.NDArray[np.float32],
    left: npt.NDArray[np.int32],
    right: npt.NDArray[np.int32],
    osz: int,
    margin: float,
    slack: float,
    hidden: npt.NDArray[np.float32],
    best: npt.NDArray[np.int32],
    prob: npt.NDArray[np.float64],
    near: npt.NDArray[np.uint8],
) -> None: ...
def scripts(
    codes: npt.NDArray[np.uint32],
    lengths: npt.NDArray[np.int64],
    table: npt.NDArray[np.uint8],
    script: npt.NDArray[np.int8],
    letters: npt.NDArray[np.int8],
) -> None: ...
