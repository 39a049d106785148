import numpy as np
import numpy.typing as npt

class Kernel:
    def __init__(
        self,
        word_table: npt.NDArray[np.uint8],
        present: npt.NDArray[np.uint64],
        rank: npt.NDArray[np.uint32],
        rows: npt.NDArray[np.float32],
        char_orders: npt.NDArray[np.int64],
        char_salts: npt.NDArray[np.uint64],
        word_orders: npt.NDArray[np.int64],
        word_salts: npt.NDArray[np.uint64],
        distinct_order: int,
        min_distinct: float,
        bits: int,
    ) -> None: ...
    def score(
        self,
        codes: npt.NDArray[np.uint32],
        starts: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int64],
        out: npt.NDArray[np.float32],
        explain_head: int = -1,
        top_start: npt.NDArray[np.int64] | None = None,
        top_end: npt.NDArray[np.int64] | None = None,
        top_weight: npt.NDArray[np.float64] | None = None,
    ) -> None: ...
    def word_sums(
        self,
        codes: npt.NDArray[np.uint32],
        starts: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int64],
        head: int,
        doc: npt.NDArray[np.int64],
        start: npt.NDArray[np.int64],
        end: npt.NDArray[np.int64],
        sums: npt.NDArray[np.float64],
    ) -> int: ...
