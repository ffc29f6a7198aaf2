# requires: model
# Train the adapter to answer a support ticket with its category, then stop (CPU, seeded).
from llmsite.lora import held_out, load_task, reply, train_adapter
from llmsite.prompting import rate_line

task = load_task()  # the real model (frozen), 60 training tickets, chapter 14b's 60 test tickets
shown = task.test[:5]  # the first five test tickets, one per category: never trained on

print("before, greedy replies (first 12 tokens):")
for t in shown:
    print(f"  {t.text!r}\n    -> {reply(task, task.W, t.text, max_new_tokens=12)!r}")


def report(s):
    if s.step == 1 or s.step % 5 == 0:
        print(f"step {s.step:2d}  loss {s.loss:.2f}")


# 40 steps of 8 tickets; only the adapters' A and B move (see "Under the hood").
run = train_adapter(task, steps=40, on_step=report)
merged = run.adapter.merged()  # the adapters folded into the weights: a plain model again

print("after, greedy replies:")
for t in shown:
    print(f"  {t.text!r}\n    -> {reply(task, merged, t.text)!r}   (right: {t.label})")

# All 60 test tickets: does the reply start with a category, and is it exactly the right one?
for name, W in (("before", task.W), ("after", merged)):
    result = held_out(task, W)
    print(rate_line(f"held-out, {name}: a category", result.a_label, result.n))
    print(rate_line(f"held-out, {name}: the right one, exactly", result.exact, result.n))
