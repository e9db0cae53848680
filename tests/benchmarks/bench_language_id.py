"""Compare language-identification models on the corpus, with the same domain rules (not a test).

The evidence for choosing lingua (README "Which language a text is in"). py3langid is not a
dependency of the app: install it into .venv to run this (`.venv/bin/pip install py3langid==0.4.0`).

    .venv/bin/python tests/benchmarks/bench_language_id.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from handoff.documents import language  # noqa: E402
from tests.test_language_id import _corpus, _score  # noqa: E402


def main() -> None:
    try:
        import py3langid.langid as py3langid
    except ImportError:
        sys.exit("py3langid is not installed: .venv/bin/pip install py3langid==0.4.0")
    ident = py3langid.LanguageIdentifier.from_model_file(py3langid.MODEL_FILE, norm_probs=True)
    ident.set_languages(["en", "es"])

    def p_english(text):
        return dict(ident.rank(text))["en"]

    for name in ("phrases.tsv", "heldout.tsv"):
        rows = _corpus(name)
        for model, p in (("lingua", language._lingua_p_english), ("py3langid", p_english)):
            p("warm up")
            start = time.perf_counter()
            accuracy, misses, _ = _score(rows, lambda t, p=p: language._decide(language._normalize(t), p))
            per_call = (time.perf_counter() - start) / len(rows)
            print(f"{model:<10} on {name}: {accuracy:.1%}, {per_call * 1e6:.0f} µs a call; misses {misses}")


if __name__ == "__main__":
    main()
