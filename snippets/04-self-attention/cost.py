# Every token scores every token before it: the score table has length x length entries.
HEADS, LAYERS, BYTES = 9, 30, 4  # SmolLM2: 9 heads in each of 30 layers; float32 = 4 bytes

print(f"{'tokens':>7} {'scores per head':>16} {'one head':>10} {'all 270 heads':>14}")
for n in (256, 512, 1024, 2048, 4096):
    entries = n * n
    one = entries * BYTES
    print(f"{n:7,} {entries:16,} {one / 2**20:7.2f} MiB {one * HEADS * LAYERS / 2**30:10.2f} GiB")
print("\ntwice the tokens -> 4 times the scores; 16 times the tokens -> 256 times")
