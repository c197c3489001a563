"""A figure's claimant becomes an actor, as a citation's is; the words the article uses for it
are kept in ``claimant_words``. The free text of every figure (and of its history) is read once
here: the curated claimants as decided by reading each passage (fixtures/CHANGES.md, issue 19),
any other by the actors' names and name variants."""

import re

import django.db.models.deletion
from django.db import migrations, models

from timeline.text import fold

#: The claimants of the curated data before this migration: the actor (None: the article's own
#: reporting, or a number it attributes to no one), the words as the article writes them, and what
#: the old text said besides, now a sentence of the figure's note.
CURATED = {
    "the tabloid itself (it names no source)": (None, "", ""),
    "AFP (its own summary)": (None, "", ""),
    "not named (TASS: “it also became known”)": (None, "it also became known", ""),
    "police": ("almaty-police", "police", ""),
    "police (AFP quotes spokeswoman Saltanat Azirbek)": (
        "almaty-police",
        "police",
        "AFP then quotes the police spokeswoman Saltanat Azirbek.",
    ),
    "officials (not named)": ("kazakh-government", "officials", ""),
    "authorities": ("kazakh-government", "authorities", ""),
    "Almaty's commandant's office (statement carried by Khabar-24)": (
        "almaty-commandants-office",
        "Almaty’s commandant’s office",
        "The statement was carried by Khabar-24, Kazakhstan’s state news channel.",
    ),
    "the interior ministry": ("kazakh-interior-ministry", "the interior ministry", ""),
    "the Interior Ministry": ("kazakh-interior-ministry", "the Interior Ministry", ""),
    "the Kazakh interior ministry (statement read on state television)": (
        "kazakh-interior-ministry",
        "the Kazakh interior ministry",
        "The ministry's statement was read on state television.",
    ),
    "critics, as AFP reports them": ("critics", "Critics", ""),
    "the government's statistics, as the NYT reports them": (
        "kazakh-government",
        "the government’s statistics",
        "",
    ),
    "the Ministry of Health of Kazakhstan": ("kazakh-health-ministry", "The Ministry of Health of Kazakhstan", ""),
    "President Kassym-Jomart Tokayev, as the tabloid reports him": ("tokayev", "President Kassym-Jomart Tokayev", ""),
}

#: What editors added after a claimant's words: "(statement read on state television)", ", as AFP reports them".
REMARK = re.compile(r"\s*(\(.*\)|,\s*as\s+.*)\s*$")


def match(text, actors):
    """(actor, words, remark) for a claimant written as free text: by the curated decisions, else by
    the actors' names and variants (exactly, then with a leading "the" dropped, then the longest
    name the text contains, when only one actor has it); (None, text, "") when no actor matches,
    so that nothing is lost."""
    by_slug = {actor.slug: actor for actor in actors}
    if text in CURATED and (CURATED[text][0] is None or CURATED[text][0] in by_slug):
        slug, words, remark = CURATED[text]
        return (by_slug[slug] if slug else None), words, remark
    words = REMARK.sub("", text).strip() or text.strip()
    remark = text.strip()[len(words) :].strip(" ,()")
    remark = "" if remark.startswith("as ") else remark  # "as AFP reports them": the source says so already
    names = {}  # folded name: the actors it names
    for actor in actors:
        for name in actor.search_names.split("\n"):
            if name:
                names.setdefault(name, set()).add(actor)
    for candidate in (fold(words), re.sub(r"^the\s+", "", fold(words))):
        if len(names.get(candidate, ())) == 1:
            return next(iter(names[candidate])), words, remark
    contained = sorted(
        (name for name in names if len(name) > 3 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", fold(words))),
        key=len,
        reverse=True,
    )
    if contained and len(names[contained[0]]) == 1:
        return next(iter(names[contained[0]])), words, remark
    return None, text.strip(), ""


def with_remark(note, remark):
    """The note, ending with the remark (as a sentence) unless it says it already or cannot hold it."""
    if not remark:
        return note
    sentence = remark[0].upper() + remark[1:]
    sentence = sentence if sentence.endswith(".") else f"{sentence}."
    if fold(remark) in fold(note) or len(note) + len(sentence) + 1 > 500:
        return note
    return f"{note} {sentence}".strip()


def claimants_to_actors(apps, schema_editor):
    Actor = apps.get_model("timeline", "Actor")
    actors = list(Actor.objects.all())
    for name in ("Figure", "HistoricalFigure"):
        model = apps.get_model("timeline", name)
        changed = []
        for figure in model.objects.all():
            actor, words, remark = match(figure.claimant_words, actors)
            figure.claimant_id = actor.pk if actor else None
            figure.claimant_words = words[:200]
            figure.note = with_remark(figure.note, remark)
            changed.append(figure)
        model.objects.bulk_update(changed, ["claimant_id", "claimant_words", "note"], batch_size=500)


def actors_to_claimants(apps, schema_editor):
    """Back to free text: the words, else the actor's name, else what the article's own reporting was called."""
    for name in ("Figure", "HistoricalFigure"):
        model = apps.get_model("timeline", name)
        changed = []
        for figure in model.objects.all():
            if not figure.claimant_words:
                actor = apps.get_model("timeline", "Actor").objects.filter(pk=figure.claimant_id).first()
                figure.claimant_words = actor.name if actor else "the article itself"
            changed.append(figure)
        model.objects.bulk_update(changed, ["claimant_words"], batch_size=500)


WORDS_HELP = (
    "The article's words for who gave the number, as written: “the interior ministry”, “officials”. With no "
    "claimant, the words that attribute the number without naming anyone (“it also became known”), or blank "
    "for the article's own reporting."
)
CLAIMANT_HELP = "Who gave the number (“the interior ministry said”); blank when it is the article's own reporting."
SCOPE_HELP = (
    "What exactly the number covers, where the article says: “in Almaty”, “nationwide”, “so far”. Figures are "
    "compared only with figures of the same measure and scope: choose one of the measure's scopes where it fits; "
    "one written differently only in case, spaces or punctuation becomes the existing one."
)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0013_seed_file_derived"),
    ]

    operations = [
        migrations.RenameField(model_name="figure", old_name="claimant", new_name="claimant_words"),
        migrations.RenameField(model_name="historicalfigure", old_name="claimant", new_name="claimant_words"),
        migrations.AlterField(
            model_name="figure",
            name="claimant_words",
            field=models.CharField(
                blank=True, help_text=WORDS_HELP, max_length=200, verbose_name="claimant, as the article puts it"
            ),
        ),
        migrations.AlterField(
            model_name="historicalfigure",
            name="claimant_words",
            field=models.CharField(
                blank=True, help_text=WORDS_HELP, max_length=200, verbose_name="claimant, as the article puts it"
            ),
        ),
        migrations.AddField(
            model_name="figure",
            name="claimant",
            field=models.ForeignKey(
                blank=True,
                help_text=CLAIMANT_HELP,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="figures_claimed",
                to="timeline.actor",
            ),
        ),
        migrations.AddField(
            model_name="historicalfigure",
            name="claimant",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text=CLAIMANT_HELP,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="timeline.actor",
            ),
        ),
        migrations.AlterField(
            model_name="figure",
            name="scope",
            field=models.CharField(blank=True, help_text=SCOPE_HELP, max_length=200),
        ),
        migrations.AlterField(
            model_name="historicalfigure",
            name="scope",
            field=models.CharField(blank=True, help_text=SCOPE_HELP, max_length=200),
        ),
        migrations.RunPython(claimants_to_actors, actors_to_claimants),
    ]
