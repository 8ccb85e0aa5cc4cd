"""Deterministic, realistic seed data: Estonian and Norwegian names with non-ASCII letters.

Every emulator draws from `random.Random(seed)` so the same seed always serves the same data.
"""

from __future__ import annotations

import random

ESTONIAN_FIRST = ["Jüri", "Tõnis", "Märt", "Ülle", "Kärt", "Õie", "Mihkel", "Liisa", "Jaan", "Ene"]
ESTONIAN_LAST = ["Mägi", "Tamm", "Saar", "Kask", "Põder", "Õunapuu", "Jõgi", "Lääne", "Müür"]
NORWEGIAN_FIRST = ["Bjørn", "Åse", "Øystein", "Kåre", "Sølvi", "Ærling", "Håkon", "Ingrid"]
NORWEGIAN_LAST = ["Østby", "Nordstrøm", "Håland", "Brækken", "Sæther", "Løvås", "Dahl", "Aasen"]
COMPANY_WORDS = ["Põhja", "Mõisa", "Fjord", "Tähe", "Skog", "Øst", "Lõuna", "Vær", "Järve"]
COMPANY_FORMS_EE = ["OÜ", "AS", "MTÜ"]
COMPANY_FORMS_NO = ["AS", "ASA", "ENK"]
PRODUCT_WORDS = [
    "Šokolaad",
    "Kommid",
    "Leib",
    "Piim",
    "Kohv",
    "Brunost",
    "Kjøttkaker",
    "Rømme",
    "Äädikas",
    "Õli",
    "Sõõrik",
    "Lefse",
]
PRODUCT_MAKERS = ["Kalev", "Tere", "Tine", "Nidar", "Põltsamaa", "Røros", "Salvest"]
EE_CITIES = ["Tallinn", "Tartu", "Pärnu", "Võru", "Jõhvi", "Kärdla"]
NO_CITIES = ["Oslo", "Bergen", "Tromsø", "Ålesund", "Bodø", "Kristiansand"]


class SeedData:
    """A seeded source of names; one per emulator instance."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def person(self, country: str = "EE") -> str:
        first, last = (
            (ESTONIAN_FIRST, ESTONIAN_LAST)
            if country == "EE"
            else (NORWEGIAN_FIRST, NORWEGIAN_LAST)
        )
        return f"{self.rng.choice(first)} {self.rng.choice(last)}"

    def company(self, country: str = "EE") -> str:
        forms = COMPANY_FORMS_EE if country == "EE" else COMPANY_FORMS_NO
        return f"{self.rng.choice(COMPANY_WORDS)} {self.rng.choice(forms)}"

    def product(self) -> str:
        return f"{self.rng.choice(PRODUCT_WORDS)} {self.rng.choice(PRODUCT_MAKERS)}"

    def city(self, country: str = "EE") -> str:
        return self.rng.choice(EE_CITIES if country == "EE" else NO_CITIES)

    def email(self, name: str, domain: str = "example.ee") -> str:
        ascii_name = name.lower().translate(_ASCII).replace(" ", ".")
        return f"{ascii_name}@{domain}"


_ASCII = str.maketrans(
    {"ä": "a", "õ": "o", "ö": "o", "ü": "u", "š": "s", "ž": "z", "ø": "o", "å": "a", "æ": "ae"}
)
