#!/usr/bin/python3
"""PyTorch reference for scripts/bench/model.ts: samples/s of one plain SGD training step
(forward, softmax cross-entropy, backward, parameter update) on random MNIST-shaped data, one thread.

  /usr/bin/python3 scripts/pytorch_reference.py --model mlp --batches 32,64,128 --seconds 2
  /usr/bin/python3 scripts/pytorch_reference.py --model mlp --serve   # then "BATCH SECONDS" lines on stdin

--serve keeps one process (torch imported, model built) and answers each "BATCH SECONDS" line on stdin
with one JSON line {"batch", "steps", "samplesPerSecond", "msPerStep"}: the benchmark interleaves short
PyTorch and murmur measurements so that both see the same load on a shared machine.

Models match lib/model: 'mlp' is 784-128-10 (ReLU), 'cnn' is conv5x5x8 'same' + ReLU, 2x2 max-pool,
conv5x5x16 'same' + ReLU, 2x2 max-pool, dense 128 + ReLU, dense 10 (lib/model/constants.ts).
Prints one JSON object: {"torch": version, "threads": 1, "model": ..., "blas": the BLAS library loaded, "results": [{"batch", "steps",
"samplesPerSecond", "msPerStep"}]}. Each batch size is warmed up, then timed for --seconds of wall time.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def build(kind: str) -> nn.Module:
    if kind == 'mlp':
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    if kind == 'cnn':
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(7 * 7 * 16, 128), nn.ReLU(), nn.Linear(128, 10))
    raise SystemExit(f"--model must be 'mlp' or 'cnn'; got {kind!r}")


def blas_library() -> str:
    """The BLAS shared library this process has loaded (from /proc/self/maps; '' where unknown). Debian's
    python3-torch calls libblas.so.3, which is OpenBLAS when libopenblas0-pthread is installed and the
    reference BLAS (libblas3, several times slower on these models) otherwise."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    try:
        with open('/proc/self/maps') as maps:
            paths = {line.split()[-1] for line in maps if len(line.split()) >= 6}
    except OSError:
        return ''
    found = sorted(p for p in paths if 'blas' in p.rsplit('/', 1)[-1] or 'mkl' in p.rsplit('/', 1)[-1])
    return ', '.join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', default='mlp')
    parser.add_argument('--batches', default='32,64')
    parser.add_argument('--seconds', type=float, default=2.0)
    parser.add_argument('--lr', type=float, default=0.05)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--serve', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = build(args.model)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)

    def measure(batch: int, seconds: float) -> dict:
        x = torch.rand(batch, 784)
        y = torch.randint(0, 10, (batch,))

        def step() -> None:
            opt.zero_grad(set_to_none=False)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        for _ in range(10):
            step()
        steps = 0
        start = time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds:
            step()
            steps += 1
            elapsed = time.perf_counter() - start
        return {'batch': batch, 'steps': steps, 'samplesPerSecond': steps * batch / elapsed,
                'msPerStep': 1000 * elapsed / steps}

    if args.serve:
        print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'model': args.model,
                          'blas': blas_library()}), flush=True)
        for line in sys.stdin:
            parts = line.split()
            if len(parts) != 2:
                print(json.dumps({'error': f'expected "BATCH SECONDS", got {line.strip()!r}'}), flush=True)
                continue
            print(json.dumps(measure(int(parts[0]), float(parts[1]))), flush=True)
        return
    results = [measure(int(b), args.seconds) for b in args.batches.split(',') if b]
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'model': args.model,
                      'blas': blas_library(), 'results': results}))


if __name__ == '__main__':
    main()
