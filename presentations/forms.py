"""Forms of the papers page: the ranking and the paper proposal."""

from django import forms

from presentations.models import Category, Paper, PaperPreference


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


class RankingForm(forms.Form):
    """An ordered ranking without drag and drop: one select per place, "1st choice" first.

    Each select offers every paper the student may rank, grouped by category; a place left
    empty is skipped, so clearing the 2nd choice moves the 3rd up. The same paper twice is
    an error on the later place.
    """

    def __init__(
        self,
        *args,
        papers: list[Paper],
        places: int,
        preferences: list[PaperPreference] = (),
        **kwargs,
    ):
        kwargs.setdefault("initial", {f"rank_{p.rank}": p.paper_id for p in preferences})
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for paper in papers:
            groups.setdefault(paper.category.name, []).append((paper.pk, paper.title))
        choices = [("", "No paper"), *groups.items()]
        for place in range(1, places + 1):
            self.fields[f"rank_{place}"] = forms.TypedChoiceField(
                label=f"{ordinal(place)} choice",
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
            )
        self.titles = {paper.pk: paper.title for paper in papers}

    def clean(self):
        cleaned = super().clean()
        seen: dict[int, str] = {}
        for name, field in self.fields.items():
            paper_id = cleaned.get(name)
            if paper_id is None:
                continue
            if paper_id in seen:
                self.add_error(
                    name, f"You already chose this paper as your {seen[paper_id].lower()}."
                )
            else:
                seen[paper_id] = field.label
        return cleaned

    def paper_ids(self) -> list[int]:
        """The chosen papers, best first, empty places skipped."""
        return [
            self.cleaned_data[name]
            for name in self.fields
            if self.cleaned_data.get(name) is not None
        ]


class ProposalForm(forms.Form):
    """A paper a student proposes; `category` cleans to one of the course's Category rows."""

    title = forms.CharField(max_length=400)
    authors = forms.CharField(
        max_length=500, required=False, help_text="As on the paper, separated by commas."
    )
    url = forms.URLField(
        label="Link",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="Where to read it, e.g. its arXiv or DOI page.",
    )
    category = forms.ChoiceField()

    def __init__(self, *args, categories: list[Category], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {category.key: category for category in categories}
        self.fields["category"].choices = [
            ("", "Choose a category"),
            *((category.key, category.name) for category in categories),
        ]

    def clean_category(self) -> Category:
        return self.categories[self.cleaned_data["category"]]
