"""Onboarding benchmark: wall-clock time to synthesise data and train a model for 10 sponsors.

Target (issue 3): on one GPU, synthesis + training reach mAP50 >= 0.9 on the held-out synthetic
split within 15 minutes. Run it where a GPU is present; on a CPU it measures the same steps at
whatever size you give it.

    python bench/onboarding.py [--images 2000] [--epochs 60] [--imgsz 640] [--device auto]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_S = 15 * 60
TARGET_MAP50 = 0.9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logos", default=str(REPO / "weights" / "demo_artwork"), help="10 sponsors' artwork")
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()

    from vision.training.train import train

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        weights = train(
            args.logos,
            "bench",
            tmp,
            imgsz=args.imgsz,
            epochs=args.epochs,
            images=args.images,
            device=args.device,
            batch=args.batch,
            workdir=Path(tmp) / "work",
        )
        wall = time.perf_counter() - start
        card = json.loads(weights.with_suffix(".json").read_text())
    val = card["validation"]
    print(f"hardware:          {card['hardware']}")
    print(f"sponsors:          {len(card['classes'])}")
    print(f"synthesis:         {card['synthesis_s']:.0f} s ({args.images} images at {args.imgsz} px)")
    print(f"training:          {card['training_s']:.0f} s ({args.epochs} epochs)")
    print(f"wall clock:        {wall:.0f} s = {wall / TARGET_S:.2f} x the 15-minute target")
    print(f"validation mAP50:  {val['map50']:.3f} (target {TARGET_MAP50}), mAP50-95 {val['map50_95']:.3f}")
    ok = wall <= TARGET_S and val["map50"] >= TARGET_MAP50
    print("target met" if ok else "target NOT met")


if __name__ == "__main__":
    main()
