# requires: model
# RoPE, the way our model marks word order: turn pairs of numbers by an angle that grows
# with the token's position. Plain arithmetic: from the model we only read two settings.
import json
import math

from llmsite.model import model_dir

config = json.loads((model_dir() / "config.json").read_text())  # the model's settings
HEAD_DIM = config["head_dim"]  # each attention head works on 64 numbers = 32 pairs
THETA = config["rope_parameters"]["rope_theta"]  # how slowly the slowest pair turns
print(f"from the model's config: head_dim {HEAD_DIM}, rope_theta {THETA:,.0f}\n")

# Pair i turns by position * freq[i] radians: fast for pair 0, very slow for pair 31.
freq = [THETA ** (-2 * i / HEAD_DIM) for i in range(HEAD_DIM // 2)]
for i in (0, 8, 16, 31):
    print(f"pair {i:2d}: turns {math.degrees(freq[i]):9.4f} degrees per token,"
          f" a full circle every {2 * math.pi / freq[i]:>12,.0f} tokens")


def rotate(vec, position):
    """Turn pair i = (vec[i], vec[i + 32]) by the angle position * freq[i]."""
    half = HEAD_DIM // 2
    out = list(vec)
    for i in range(half):
        a, b, t = vec[i], vec[i + half], position * freq[i]
        out[i] = a * math.cos(t) - b * math.sin(t)
        out[i + half] = b * math.cos(t) + a * math.sin(t)
    return out


def dot(u, v):
    return sum(x * y for x, y in zip(u, v))


vec = [1.0] * HEAD_DIM  # the same vector as query and as key
print()
print("query at 5, key at 3:    ", round(dot(rotate(vec, 5), rotate(vec, 3)), 4))
print("query at 105, key at 103:", round(dot(rotate(vec, 105), rotate(vec, 103)), 4))
print("(the score depends only on the distance, 2 in both cases)\n")
for distance in (0, 1, 2, 4, 16, 64, 256, 1024):
    score = dot(rotate(vec, distance), rotate(vec, 0)) / dot(vec, vec)
    print(f"distance {distance:5d}: similarity {score:5.2f}")

# The formula from "Under the hood", checked on one pair (a, b) of a query at position m and
# one pair (c, d) of a key at position n, with made-up numbers:
a, b, c, d, m, n, f = 0.3, -1.2, 0.7, 0.5, 7, 3, freq[1]


def turn(x, y, angle):  # the same turn as in rotate()
    return x * math.cos(angle) - y * math.sin(angle), y * math.cos(angle) + x * math.sin(angle)


(qa, qb), (kc, kd) = turn(a, b, m * f), turn(c, d, n * f)
cos_part, sin_part = (a * c + b * d) * math.cos((m - n) * f), math.sin((m - n) * f)
print(f"\none pair, turned, then multiplied:        {qa * kc + qb * kd:9.6f}")
print(f"(ac+bd)cos((m-n)f) + (ad-bc)sin((m-n)f): {cos_part + (a * d - b * c) * sin_part:9.6f}")
print(f"the same with the sign flipped (bc-ad):  {cos_part + (b * c - a * d) * sin_part:9.6f}")
