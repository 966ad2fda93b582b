"""The chapter's ResNet-18 (d2l: 1 channel, conv bias, no BN on the 1x1 shortcut, 10 classes) trained
with SGD in PyTorch: the peer that `pnpm bench` compares TF.js against on the same machine.

Usage: python3 pytorch_resnet18.py --sizes 28,96 --batch 32 --seconds 20 --threads 2
Prints one JSON object: {"torch": version, "threads": n, "params": n, "rows": [{size, imgPerSec, steps}]}.
"""
import argparse
import json
import sys
import time

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError as err:  # the caller shows this line as the reason
    print(json.dumps({"error": f"PyTorch is not installed ({err}); on Debian: apt-get install python3-torch"}))
    sys.exit(0)


class Residual(nn.Module):
    def __init__(self, cin, cout, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(cout, cout, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(cin, cout, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(cout)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.conv3 is not None:
            x = self.conv3(x)
        return F.relu(y + x)


def resnet_block(cin, cout, num_residuals, first_block=False):
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(cin, cout, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(cout, cout))
    return blocks


def resnet18():
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    return nn.Sequential(b1, nn.Sequential(*resnet_block(64, 64, 2, first_block=True)),
                         nn.Sequential(*resnet_block(64, 128, 2)), nn.Sequential(*resnet_block(128, 256, 2)),
                         nn.Sequential(*resnet_block(256, 512, 2)), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(512, 10))


def throughput(size, batch, seconds, warmup):
    torch.manual_seed(0)
    net = resnet18()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    x = torch.randn(batch, 1, size, size)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    steps, start = 0, time.perf_counter()
    while steps < 2 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    elapsed = time.perf_counter() - start
    params = sum(p.numel() for p in net.parameters())
    return {"size": size, "imgPerSec": batch * steps / elapsed, "steps": steps, "params": params}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="28,96")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows = [throughput(int(s), args.batch, args.seconds, args.warmup) for s in args.sizes.split(",")]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}))


if __name__ == "__main__":
    main()
