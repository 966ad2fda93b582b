"""The book's train_ch6 in PyTorch, as a d2l reader runs it: the chapter's ResNet-18, Xavier init, SGD,
a DataLoader over the given images, and the book's Timer around each batch (loading excluded, the
metric update included). PyTorch keeps its own defaults: no thread count or OpenMP policy is set here.

Usage: python3 pytorch_train_ch6.py --data FILE --count N --size S [--test-data FILE --test-count M]
         [--batch 32] [--epochs 1] [--lr 0.05]
FILE holds N float32 images of S×S pixels in [0, 1] (NHWC with one channel, as TF.js keeps them),
then N int32 labels. Prints the book's two closing lines, then one JSON object on the last line:
{"torch", "threads", "examplesPerSec", "steps", "seconds", "trainLoss", "trainAcc", "testAcc"}.
"""
import argparse
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
except ImportError as err:  # the caller shows this line as the reason
    print(json.dumps({"error": f"PyTorch is not installed ({err}); on Debian: apt-get install python3-torch"}))
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_resnet18 import resnet18  # noqa: E402  (the same network as the step-level bench)


def load(path, count, size):
    raw = np.fromfile(path, dtype=np.uint8)
    pixels = count * size * size
    x = torch.from_numpy(raw[: pixels * 4].view(np.float32).copy()).reshape(count, 1, size, size)
    y = torch.from_numpy(raw[pixels * 4 : pixels * 4 + count * 4].view(np.int32).astype(np.int64))
    return x, y


def accuracy(y_hat, y):
    return float((y_hat.argmax(axis=1).type(y.dtype) == y).type(y.dtype).sum())


def evaluate_accuracy(net, data_iter):
    net.eval()
    correct, count = 0.0, 0
    with torch.no_grad():
        for x, y in data_iter:
            correct += accuracy(net(x), y)
            count += y.numel()
    return correct / max(count, 1)


def train_ch6(net, train_iter, test_iter, num_epochs, lr):
    def init_weights(m):
        if type(m) is nn.Linear or type(m) is nn.Conv2d:
            nn.init.xavier_uniform_(m.weight)

    net.apply(init_weights)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    times, examples, steps = [], 0, 0
    for _ in range(num_epochs):
        metric = [0.0, 0.0, 0]
        net.train()
        for x, y in train_iter:
            start = time.perf_counter()  # d2l.Timer.start()
            optimizer.zero_grad()
            y_hat = net(x)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric[0] += float(l) * x.shape[0]
                metric[1] += accuracy(y_hat, y)
                metric[2] += x.shape[0]
            times.append(time.perf_counter() - start)  # d2l.Timer.stop()
            steps += 1
        examples += metric[2]
        test_acc = evaluate_accuracy(net, test_iter)
    rate = examples / sum(times)
    print(f"loss {metric[0] / metric[2]:.3f}, train acc {metric[1] / metric[2]:.3f}, test acc {test_acc:.3f}")
    print(f"{rate:.1f} examples/sec on cpu")
    return {
        "examplesPerSec": rate,
        "steps": steps,
        "seconds": sum(times),
        "trainLoss": metric[0] / metric[2],
        "trainAcc": metric[1] / metric[2],
        "testAcc": test_acc,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--test-data")
    ap.add_argument("--test-count", type=int, default=0)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.05)
    args = ap.parse_args()
    x, y = load(args.data, args.count, args.size)
    train_iter = DataLoader(TensorDataset(x, y), batch_size=args.batch, shuffle=True)
    tx, ty = load(args.test_data, args.test_count, args.size) if args.test_data else (x[:0], y[:0])
    test_iter = DataLoader(TensorDataset(tx, ty), batch_size=args.batch, shuffle=False)
    net = resnet18()
    got = train_ch6(net, train_iter, test_iter, args.epochs, args.lr)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), **got}))


if __name__ == "__main__":
    main()
