"""Redaction of personal information from free text (every person, number and address here is
made up). The expected outputs are written out by hand: what a reader must see."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from cxdash.redaction import PLACEHOLDERS, redact

from .conftest import ROOT

# (kind, original detail, sentence containing it, placeholder)
FORMS = [
    ("email", "maria.lopez@example.com", "You can reach me at maria.lopez@example.com today.", "[email]"),
    ("email", "J_Smith99@mail.example.org", "Write to J_Smith99@mail.example.org please.", "[email]"),
    ("email", "jose.ramirez+va@sub.example.co.uk", "Contact jose.ramirez+va@sub.example.co.uk anytime.", "[email]"),
    ("phone", "(410) 555-0123", "Call me at (410) 555-0123 after five.", "[phone]"),
    ("phone", "410-555-0187", "My number is 410-555-0187.", "[phone]"),
    ("phone", "410.555.0142", "Phone 410.555.0142 any time.", "[phone]"),
    ("phone", "+1 202 555 0199", "Mobile: +1 202 555 0199", "[phone]"),
    ("phone", "4105550111", "Text 4105550111 if needed.", "[phone]"),
    ("phone", "1-800-555-0100", "I called 1-800-555-0100 twice.", "[phone]"),
    ("SSN", "123-45-6789", "My SSN is 123-45-6789 if you need it.", "[SSN]"),  # not a valid SSN: still redacted
    ("SSN", "512 44 9021", "SSN 512 44 9021 on file.", "[SSN]"),
    ("SSN", "512449021", "my social security number is 512449021", "[SSN]"),
    ("SSN", "6789", "my SSN ending in 6789 was read out loud", "[SSN]"),
    ("name", "Maria Lopez", "My name is Maria Lopez and I applied in June.", "[name]"),
    ("name", "Johnson", "Mr. Johnson at the desk was rude.", "[name]"),
    ("name", "Thi Nguyen", "Ms. Thi Nguyen helped me.", "[name]"),
    ("name", "Kowalczyk", "Officer Kowalczyk said to wait.", "[name]"),
    ("name", "Kevin", "Kevin was so helpful on the phone.", "[name]"),
    ("name", "Priya Raman", "This is Priya Raman again.", "[name]"),
    ("name", "jose ramirez", "hello my name is jose ramirez, please help", "[name]"),
    ("name", "Grace", "Thanks, Grace", "[name]"),
    ("name", "Bill Jones", "I am Bill Jones and I am upset.", "[name]"),
    ("address", "1234 Elm Street, Apt 5B, Springfield, IL 62704", "I live at 1234 Elm Street, Apt 5B, Springfield, IL 62704.", "[address]"),
    ("address", "77 W. Oak Ave, Baltimore, MD 21201", "Mail it to 77 W. Oak Ave, Baltimore, MD 21201 please.", "[address]"),
    ("address", "PO Box 4432, Rockville, MD 20850", "Send to PO Box 4432, Rockville, MD 20850.", "[address]"),
    ("address", "45 main st", "i live at 45 main st and nobody came", "[address]"),
    ("address", "9 Harbor Court", "The letter went to 9 Harbor Court by mistake.", "[address]"),
    ("card", "4111 1111 1111 1111", "Card 4111 1111 1111 1111 was charged twice.", "[card]"),
    ("IP", "192.168.10.24", "I logged in from 192.168.10.24 and got locked out.", "[IP address]"),
    ("link", "https://portal.example.gov/status?user=dw1988", "See https://portal.example.gov/status?user=dw1988 now", "[link]"),
    ("number", "CLM-2022-88841", "My claim number CLM-2022-88841 is pending.", "[number]"),
    ("number", "12345678", "Account 12345678 was closed.", "[number]"),
]


@pytest.mark.parametrize("kind, detail, sentence, placeholder", FORMS, ids=[f"{f[0]}-{f[1]}" for f in FORMS])
def test_each_kind_of_personal_detail_is_removed(kind, detail, sentence, placeholder):
    assert detail in sentence
    result = redact(sentence)
    assert detail not in result.text
    assert placeholder in result.text
    assert result.count >= 1


ORDINARY = [
    "I will call again in May.",
    "The Bill payment page is broken.",
    "Grace period ended before I could pay.",
    "I had a Dr. visit and missed the call.",
    "Frank feedback: the process is slow, Virginia office is fine.",
    "I waited 3 hours on the road and 45 minutes in line.",
    "I was on hold for 2 hours on 10/12/2022.",
    "FY2022 Q1 form 1040 was processed in 6 weeks.",
    "Mark my words. Will someone help? Hope so.",
    "The Sunset Boulevard office was closed on Main Street.",
    "Social Security sent my card in April.",
    "va.gov and login.gov work fine on my phone.",
    "Thank you so much! The staff were great.",
    "It cost $25.00 and took 3-4 business days.",
]


@pytest.mark.parametrize("sentence", ORDINARY)
def test_ordinary_words_are_not_redacted(sentence):
    result = redact(sentence)
    assert (result.text, result.count, result.kinds) == (sentence, 0, ())


TABLE = [
    ("Hi, my name is Dolores Whitfield and I applied on March 3.",
     "Hi, my name is [name] and I applied on March 3."),
    ("Ms. Okafor was very patient with me.", "Ms. [name] was very patient with me."),
    ("Please email me at d.whitfield@example.org or call (301) 555-0142.",
     "Please email me at [email] or call [phone]."),
    ("I live at 502 N Main St, Dayton, OH 45402 and the letter never came.",
     "I live at [address] and the letter never came."),
    ("My SSN is 219-09-9999, please fix my record.", "My SSN is [SSN], please fix my record."),
    ("Officer Kowalczyk told me to come back on Monday.", "Officer [name] told me to come back on Monday."),
    ("The agent, Kevin, fixed it in five minutes.", "The agent, [name], fixed it in five minutes."),
    ("My phone is 443.555.0187 and my daughter's is +1 202 555 0173.",
     "My phone is [phone] and my daughter's is [phone]."),
    ("Send it to PO Box 4432, Rockville, MD 20850 please.", "Send it to [address] please."),
    ("My case number is 2022-0048811 and nobody calls back.", "My case number is [number] and nobody calls back."),
    ("Thank you, Grace", "Thank you, [name]"),
    ("I am Bill Jones and I own 88 Chestnut Place, Unit 3.", "I am [name] and I own [address]."),
    ("This is Priya Raman again about my passport.", "This is [name] again about my passport."),
    ("Sincerely,\nAngela Fairbanks", "Sincerely,\n[name]"),
    ("Mr. White and Mrs. Price were kind.", "Mr. [name] and Mrs. [name] were kind."),
    ("Apply at 1600 Lakeview Blvd, Suite 210 before June.", "Apply at [address] before June."),
    ("my name is maria lopez, i live at 45 main st", "my name is [name], i live at [address]"),
    ("The Bill payment page crashed again in May.", "The Bill payment page crashed again in May."),
    ("I logged in from 192.168.10.24, see https://example.gov/a?u=dw1988",
     "I logged in from [IP address], see [link]"),
    ("Maria Lopez (maria.lopez@example.com, SSN 512-44-9021) at 2210 Willow Way.",
     "[name] ([email], SSN [SSN]) at [address]."),
    # version 2: names that are rare words, an ordinary word as a surname, places and years left alone
    ("I met Maria today and John was rude.", "I met [name] today and [name] was rude."),
    ("Titus Sparrow was rude, the kind one was Precious.", "[name] was rude, the kind one was [name]."),
    ("Ground Maintenance: Titus Sparrow Park - BPRD", "Ground Maintenance: Titus Sparrow Park - BPRD"),
    ("In 2019 Central Park closed early, now 280 Fenway is.", "In 2019 Central Park closed early, now [address] is."),
    ("Sincerely, Jennifer Okafor My refund has not arrived.", "Sincerely, [name] My refund has not arrived."),
]


@pytest.mark.parametrize("original, expected", TABLE)
def test_a_table_of_made_up_sentences(original, expected):
    assert redact(original).text == expected


def test_count_and_kinds():
    result = redact("My name is Maria Lopez, email maria.lopez@example.com, phone 410-555-0187, "
                    "phone again 410-555-0188.")
    assert result.count == 4
    assert result.kinds == ("EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER")
    assert result.text == "My name is [name], email [email], phone [phone], phone again [phone]."


@pytest.mark.parametrize("empty", [None, "", "   ", "\n"])
def test_empty_input_is_fine(empty):
    result = redact(empty)
    assert result.count == 0 and result.kinds == ()
    assert result.text == ("" if empty is None else empty)


def test_every_placeholder_is_bracketed_and_distinct():
    values = list(PLACEHOLDERS.values())
    assert len(set(values)) == len(values)
    assert all(v.startswith("[") and v.endswith("]") for v in values)


def test_nothing_is_fetched_from_the_network():
    """Building the engines and redacting must not open a connection (no model, no suffix list)."""
    script = textwrap.dedent("""
        import socket
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args)
            raise OSError("network disabled in this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from cxdash.redaction import redact
        text = redact("Mail maria.lopez@example.com or call 410-555-0187, My name is Maria Lopez.").text
        print(len(attempts))
        print(text)
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    attempts, text = done.stdout.splitlines()[-2:]
    assert attempts == "0"
    assert text == "Mail [email] or call [phone], My name is [name]."
