"""Time ICD-10 search: cold load of the code table, then per-query latency once loaded.

.venv/bin/python -m benchmarks.terminology   (from the repository root)
"""

import statistics
import time

from telehealth.terminology import icd10

QUERIES = [
    ("vi", "tang huyet ap"),
    ("vi", "Tăng huyết áp"),
    ("vi", "viem"),
    ("vi", "dau dau"),
    ("vi", "I1"),
    ("vi", "e11.9"),
    ("vi", "a"),
    ("en", "pneumonia"),
    ("en", "diabetes mellitus"),
    ("en", "fracture of femur"),
    ("en", "essential hypertension"),
    ("en", "c"),
]
ROUNDS = 200


def main() -> None:
    start = time.perf_counter()
    icd10.search("warm up")
    load_ms = (time.perf_counter() - start) * 1000

    cold: list[float] = []
    for lang, query in QUERIES:
        start = time.perf_counter()
        icd10.search(query, lang=lang)  # type: ignore[arg-type]
        cold.append((time.perf_counter() - start) * 1000)

    timings: list[float] = []
    for _ in range(ROUNDS):
        for lang, query in QUERIES:
            start = time.perf_counter()
            icd10.search(query, lang=lang)  # type: ignore[arg-type]
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"ICD-10 table load (first call): {load_ms:.0f} ms")
    print(f"search, first time each query is seen: max {max(cold):.3f} ms")
    print(
        f"search, {len(timings)} calls over {len(QUERIES)} queries, limit 20: "
        f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {timings[-1]:.3f} ms"
    )


if __name__ == "__main__":
    main()
