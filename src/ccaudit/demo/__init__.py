"""Demo: a deterministic, realistic mid-size firm with planted gaps, written as a firm would hand it in."""
