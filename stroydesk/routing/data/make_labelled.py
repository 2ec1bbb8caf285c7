"""Generate the labelled set of requests shipped with routing (``labelled.jsonl``).

    python -m stroydesk.routing.data.make_labelled [--count 1800] [--seed 15]

Seeded: the same command writes the same file. Each row combines a subject, one or two core
questions and details of one (topic, authority) variant from ``fragments.py`` with openers and
closers of the applicant's kind, an address, the channel's habits (a phone note in the third
person, an e-mail signature) and, for residents, typos. Rows are dated over two years; the last
fifth of the dates uses fragments kept back from the earlier rows, so that a split by date tests
phrasings the model never saw.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path

from stroydesk.routing.data.fragments import VARIANTS, Variant, split_early_late

OUT = Path(__file__).with_name("labelled.jsonl")
START = date(2024, 1, 9)
DAYS = 700
LATE_SHARE = 0.2

RESIDENT_OPEN = [
    "Здравствуйте!",
    "Добрый день.",
    "Здравствуйте, пишу уже не первый раз.",
    "Добрый вечер,",
    "Уважаемые сотрудники!",
    "Помогите пожалуйста!",
    "Здрасте.",
    "",
    "",
    "Обращаюсь к вам как житель района.",
    "Доброго времени суток.",
]
RESIDENT_CLOSE = [
    "Спасибо.",
    "Жду ответа.",
    "Прошу разобраться!!!",
    "Очень надеюсь на помощь.",
    "",
    "",
    "Сколько можно ждать?",
    "Прошу ответить письменно.",
    "С уважением, жительница дома.",
]
DEVELOPER_OPEN = [
    "Уважаемые коллеги!",
    "ООО «СтройИнвест» (ИНН 7701234567) просит предоставить разъяснения.",
    "АО «Городские проекты» в лице представителя по доверенности сообщает следующее.",
    "Добрый день. Пишу от имени застройщика.",
    "Юридический отдел ООО «ПИК-Девелопмент» обращается по вопросу:",
    "Здравствуйте. Мы проектная организация.",
    "В рамках реализации инвестиционного проекта просим пояснить:",
    "",
]
DEVELOPER_CLOSE = [
    "Ответ просим направить на адрес электронной почты, указанный в обращении.",
    "Приложение: копия доверенности.",
    "С уважением, юрисконсульт.",
    "Заранее благодарим за оперативный ответ.",
    "Просим дать ответ в установленный срок.",
    "",
]
STREETS = [
    "ул. Академика Янгеля",
    "Ленинский проспект",
    "ул. Бориса Галушкина",
    "Каширское шоссе",
    "ул. Маршала Катукова",
    "Волгоградский пр-т",
    "ул. Островитянова",
    "Мичуринский проспект",
    "ул. Генерала Белова",
    "Рязанский проспект",
    "ул. Вилиса Лациса",
    "Дмитровское шоссе",
]
PHONE_LEAD = [
    "Заявитель звонит и сообщает:",
    "Звонок на горячую линию.",
    "Со слов заявителя:",
    "Позвонила жительница, говорит:",
    "Тел. обращение.",
]
APPLICANT_WEIGHTS = {"resident": 0.7, "developer": 0.3}
CHANNELS = ["portal"] * 5 + ["email"] * 3 + ["phone"] * 2 + ["api"]

NEIGHBOUR_KEYS = {
    # typing on a ЙЦУКЕН keyboard: a neighbouring key
    "а": "вп",
    "о": "рл",
    "е": "кн",
    "и": "мт",
    "н": "ег",
    "т": "иь",
    "с": "чм",
    "р": "ко",
    "л": "од",
    "в": "ыа",
}


def typo(rng: random.Random, text: str, rate: float) -> str:
    """Typos as people make them: a swapped pair, a dropped or doubled letter, a neighbour key."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) < 5 or rng.random() > rate:
            continue
        pos = rng.randrange(1, len(word) - 2)
        kind = rng.randrange(4)
        if kind == 0:
            word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
        elif kind == 1:
            word = word[:pos] + word[pos + 1 :]
        elif kind == 2:
            word = word[:pos] + word[pos] + word[pos:]
        else:
            ch = word[pos]
            if ch in NEIGHBOUR_KEYS:
                word = word[:pos] + rng.choice(NEIGHBOUR_KEYS[ch]) + word[pos + 1 :]
        words[i] = word
    return " ".join(words)


def _pick(rng: random.Random, items: tuple[str, ...], late: tuple[str, ...], is_late: bool) -> str:
    if is_late and late and rng.random() < 0.7:
        return rng.choice(late)
    return rng.choice(items)


def one_row(rng: random.Random, variant: Variant, day: date, is_late: bool) -> dict:
    subjects, late_subjects = split_early_late(variant.subjects)
    cores, late_cores = split_early_late(variant.cores)
    details, late_details = split_early_late(variant.details)
    kind = "resident" if rng.random() < APPLICANT_WEIGHTS["resident"] else "developer"
    channel = rng.choice(CHANNELS)
    subject = _pick(rng, subjects, late_subjects, is_late)
    parts: list[str] = []
    opener = rng.choice(RESIDENT_OPEN if kind == "resident" else DEVELOPER_OPEN)
    if channel == "phone":
        opener = rng.choice(PHONE_LEAD)
    if opener:
        parts.append(opener)
    if rng.random() < 0.35:
        parts.append(f"Адрес: {rng.choice(STREETS)}, д. {rng.randint(1, 120)}.")
    first = _pick(rng, cores, late_cores, is_late)
    parts.append(first)
    if rng.random() < 0.35:
        second = rng.choice(cores + (late_cores if is_late else ()))
        if second != first:
            parts.append(second)
    chosen: list[str] = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        detail = _pick(rng, details, late_details, is_late)
        if detail not in chosen:
            chosen.append(detail)
    parts.extend(chosen)
    closer = rng.choice(RESIDENT_CLOSE if kind == "resident" else DEVELOPER_CLOSE)
    if closer and channel != "phone":
        parts.append(closer)
    if len(parts) > 3 and rng.random() < 0.3:
        middle = parts[1:-1]
        rng.shuffle(middle)
        parts[1:-1] = middle
    text = " ".join(parts)
    if kind == "resident":
        text = typo(rng, text, rate=rng.choice([0.0, 0.03, 0.08, 0.15]))
        if rng.random() < 0.2:
            text = text.lower()
        if rng.random() < 0.15:
            subject = subject.lower()
    if channel == "email" and rng.random() < 0.5:
        subject = rng.choice(["Обращение", "Вопрос", "Fwd: обращение", "(без темы)", subject])
    if rng.random() < 0.05:
        subject = subject.upper()
    return {
        "date": day.isoformat(),
        "subject": subject,
        "text": text,
        "applicant_type": kind,
        "channel": channel,
        "topic": variant.topic,
        "authority": variant.authority,
    }


def generate(*, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    weighted = [v for v in VARIANTS for _ in range(v.weight)]
    late_from = int(DAYS * (1 - LATE_SHARE))
    rows = []
    # Every variant at least a few times, early and late, then the rest by weight.
    plan = [v for v in VARIANTS for _ in range(6)]
    plan += [rng.choice(weighted) for _ in range(max(0, count - len(plan)))]
    seen: set[str] = set()
    for i, variant in enumerate(plan):
        offset = rng.randrange(DAYS) if i >= len(VARIANTS) * 6 else (i * 37) % DAYS
        for _attempt in range(20):  # a repeated text teaches nothing and leaks into the test
            row = one_row(rng, variant, START + timedelta(days=offset), offset >= late_from)
            if row["text"] not in seen:
                break
        seen.add(row["text"])
        rows.append(row)
    rows.sort(key=lambda r: (r["date"], r["topic"], r["text"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1800)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rows = generate(count=args.count, seed=args.seed)
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows → {OUT}")


if __name__ == "__main__":
    main()
