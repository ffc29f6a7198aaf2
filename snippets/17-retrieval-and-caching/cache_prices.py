# What prompt caching saves on a bill: 1,000 requests that share a 2,048-token system prompt,
# each adding a 30-token question and getting a 100-token answer. Prices in US dollars per
# million tokens, from the providers' dated announcements (llmsite/published.py).
from llmsite.prefix_cache import request_cost
from llmsite.published import CACHE_PRICES

prefix, question, answer, n = 2_048, 30, 100, 1_000
print(f"{'model':<20} {'no cache':>9} {'cached':>8} {'saved':>6}  source")
for price in CACHE_PRICES:
    plain = n * request_cost(prefix, question, answer, price, cached=False)
    # the first request writes the cache, the other n - 1 read it
    first = (prefix * price.cache_write + question * price.input + answer * price.output) / 1e6
    cached = first + (n - 1) * request_cost(prefix, question, answer, price, cached=True)
    print(f"{price.model:<20} {'$%.2f' % plain:>9} {'$%.2f' % cached:>8} {1 - cached / plain:>6.0%}  "
          f"{price.source.date}")
