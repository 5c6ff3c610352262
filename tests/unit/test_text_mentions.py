"""The span finder on its own (no list needed): offsets, possessives, line breaks, particles, and
the words that are never a name on their own."""

from __future__ import annotations

from service.text.mentions import candidates
from service.text.tokens import words


def spans(text: str) -> dict[str, str]:
    """query -> style of every candidate span, checking each one's offsets on the way."""
    out = {}
    ws = words(text)
    for c in candidates(ws):
        original = text[c.start : c.end]
        assert " ".join(original.replace(".", " ").split()) == c.query, c  # initials lose their dot
        out[c.query] = c.style
    return out


def test_possessives_are_not_part_of_the_name():
    text = "Nicolas Maduro's government met Venezuela\u2019s oil minister and Maduro\u2019s allies."
    ws = words(text)
    maduro = [w for w in ws if w.folded == "maduro"]
    assert [text[w.start : w.end] for w in maduro] == ["Maduro", "Maduro"]
    assert "Nicolas Maduro" in spans(text)
    assert not any("'s" in q or "\u2019s" in q for q in spans(text))


def test_an_apostrophe_inside_a_name_stays_in_the_word():
    ws = words("the agent Fawzi Kan'an left")
    assert [w.text for w in ws][2:4] == ["Fawzi", "Kan'an"] and ws[3].folded == "kanan"


def test_a_name_may_run_over_a_line_break_but_not_a_blank_line_or_a_comma():
    assert spans("officials met Tareck\nEl-Aissami there")["Tareck El-Aissami"] == "name"
    assert "Tareck El-Aissami" not in spans("officials met Tareck\n\nEl-Aissami there")
    assert "Tareck El-Aissami" not in spans("officials met Tareck, El-Aissami there")


def test_particles_inside_names_but_never_at_the_end():
    found = spans("a contract with Petroleos de Venezuela and El Aissami de")
    assert found["Petroleos de Venezuela"] == "name"
    assert found["El Aissami"] == "name"
    assert not any(q.endswith(" de") or q == "de" for q in found)


def test_function_words_months_and_weekdays_are_never_candidates_on_their_own():
    found = spans("The minister said on Monday, 25 October, that the deal in May was off.")
    for word in ("The", "Monday", "October", "May", "the", "said", "on"):
        assert word not in found
    assert not any(q.startswith("The ") or q.endswith(" on") for q in found)


def test_countries_and_their_adjectives_alone_are_not_candidates_but_names_with_them_are():
    found = spans("Flights from Iran to Venezuela by Iran Air; the Iranian side and Syria agreed.")
    for place in ("Iran", "Venezuela", "Iranian", "Syria", "United States"):
        assert place not in found
    assert found["Iran Air"] == "name"


def test_a_sentence_opening_word_is_not_taken_for_a_name_by_its_capital():
    styles = [
        c.style
        for c in candidates(words("Hezbollah denied it. Critics said Hezbollah lied."))
        if c.query == "Hezbollah"
    ]
    assert styles == ["initial", "name"]


def test_case_says_nothing_in_a_message_written_all_in_capitals_or_all_in_lower_case():
    assert spans("PAYMENT TO HIZBALLAH REF 4471")["HIZBALLAH"] == "uncased"
    assert spans("sent usd to hezbollah today")["hezbollah"] == "uncased"
    assert spans("The money went to hezbollah members.")["hezbollah"] == "lower"


def test_an_initial_does_not_end_the_sentence():
    ws = words("Officials met J. Smith yesterday.")
    j, smith = ws[2], ws[3]
    assert j.text == "J" and smith.sentence == j.sentence and not smith.sentence_initial


def test_a_name_may_start_with_initials():
    found = spans("Wire to T. Z. El Aissami today")
    assert found["T Z El Aissami"] == "name" and found["Z El Aissami"] == "name"


def test_surname_comma_given_names_is_one_span_but_other_commas_end_a_name():
    found = spans("BENEFICIARY: KAN'AN, FAWZI MUSTAFA / CARACAS")
    assert "KAN'AN, FAWZI MUSTAFA" in found
    assert "Treasury, Canaan" not in spans("According to the Treasury, Canaan owned it.")
