"""Chapter 2's parallel sentences: what the same text costs in tokens in different languages.

``SAMPLES`` are short parallel sentences written for this site (a small sample, not a
benchmark), plus a few lines of Python. ``cost_rows`` measures them with the model's own
tokenizer; ``snippets/02-tokens/languages.py`` prints the rows and the figure
``02-chars-per-token`` (``llmsite/figures/tokens.py``) draws them.
"""

from __future__ import annotations

# The same three sentences in each language (our own translations).
SAMPLES: dict[str, list[str]] = {
    "English": [
        "The weather is nice today, so we are going to the park.",
        "My grandmother makes the best apple pie in the world.",
        "Could you please tell me where the train station is?",
    ],
    "French": [
        "Il fait beau aujourd'hui, alors nous allons au parc.",
        "Ma grand-mère fait la meilleure tarte aux pommes du monde.",
        "Pourriez-vous me dire où se trouve la gare, s'il vous plaît ?",
    ],
    "German": [
        "Das Wetter ist heute schön, also gehen wir in den Park.",
        "Meine Großmutter backt den besten Apfelkuchen der Welt.",
        "Könnten Sie mir bitte sagen, wo der Bahnhof ist?",
    ],
    "Spanish": [
        "Hoy hace buen tiempo, así que vamos al parque.",
        "Mi abuela hace la mejor tarta de manzana del mundo.",
        "¿Podría decirme dónde está la estación de tren, por favor?",
    ],
    "Chinese": [
        "今天天气很好，所以我们去公园。",
        "我奶奶做的苹果派是世界上最好吃的。",
        "请问火车站在哪里？",
    ],
    "Japanese": [
        "今日は天気がいいので、公園に行きます。",
        "祖母は世界一おいしいアップルパイを作ります。",
        "駅はどこにあるか教えていただけますか？",
    ],
    "Arabic": [
        "الطقس جميل اليوم، لذلك سنذهب إلى الحديقة.",
        "جدتي تصنع أفضل فطيرة تفاح في العالم.",
        "هل يمكنك أن تخبرني أين محطة القطار من فضلك؟",
    ],
    "Hindi": [
        "आज मौसम अच्छा है, इसलिए हम पार्क जा रहे हैं।",
        "मेरी दादी दुनिया की सबसे अच्छी सेब पाई बनाती हैं।",
        "क्या आप मुझे बता सकते हैं कि रेलवे स्टेशन कहाँ है?",
    ],
}

CODE_SAMPLE = '''def find_station(stations, city):
    for station in stations:
        if station["city"] == city:
            return station["name"]
    return None
'''


def cost_rows(tok) -> list[tuple[str, int, int, float | None]]:
    """(label, characters, tokens, tokens relative to English or None) for each sample."""
    english_tokens = sum(len(tok.encode(s)) for s in SAMPLES["English"])
    rows = []
    for lang, sentences in SAMPLES.items():
        chars = sum(len(s) for s in sentences)
        tokens = sum(len(tok.encode(s)) for s in sentences)
        rows.append((lang, chars, tokens, tokens / english_tokens))
    rows.append(("Python code", len(CODE_SAMPLE), len(tok.encode(CODE_SAMPLE)), None))
    return rows
