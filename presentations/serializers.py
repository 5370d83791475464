"""Papers, slots, preferences, proposals, waitlists and swaps as the API shows them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from presentations.models import Category, PaperProposal, SwapRequest


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["key", "name"]
        read_only_fields = fields


class PaperSerializer(serializers.Serializer):
    """A paper of the catalogue (a `PaperRow` of presentations.selectors)."""

    id = serializers.IntegerField(source="paper.pk")
    key = serializers.CharField(source="paper.key")
    title = serializers.CharField(source="paper.title")
    authors = serializers.CharField(source="paper.authors")
    venue = serializers.CharField(source="paper.venue")
    year = serializers.IntegerField(source="paper.year", allow_null=True)
    url = serializers.CharField(source="paper.url")
    category = CategorySerializer(source="paper.category")
    taken = serializers.BooleanField(help_text="Someone presents it (or has claimed it).")
    mine = serializers.BooleanField(help_text="You present it.")
    my_rank = serializers.IntegerField(
        allow_null=True, help_text="Where you ranked it (1 = first choice), or null."
    )
    presenter = serializers.CharField(
        allow_null=True, help_text="Who presents it; null when free or for non-members."
    )
    session_date = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_session_date(self, row):
        return row.session.date.isoformat() if row.session else None


class PreferencesSerializer(serializers.Serializer):
    paper_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=100,
        allow_empty=True,
        help_text="Paper ids, best first. An empty list clears the ranking.",
    )


class ProposalSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="key",
        queryset=Category.objects.none(),
        help_text="The key of one of the course's categories.",
    )
    status = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    paper_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = PaperProposal
        fields = ["id", "title", "authors", "url", "category", "status", "note", "paper_id"]
        read_only_fields = ["id", "status", "note", "paper_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        course = self.context.get("course")
        if course is not None:
            self.fields["category"].queryset = Category.objects.for_course(course)


class TalkSerializer(serializers.Serializer):
    presenter = serializers.CharField(allow_null=True)
    paper = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_paper(self, talk):
        return talk.paper.title if talk.paper else None


class SlotSerializer(serializers.Serializer):
    """A slot of a presentation session (a `SlotRow` with its `SessionRow`)."""

    id = serializers.IntegerField(source="row.slot.pk")
    session_id = serializers.IntegerField(source="session.session.pk")
    session_number = serializers.IntegerField(source="session.session.session_number")
    session_date = serializers.DateField(source="session.session.date")
    position = serializers.IntegerField(source="row.slot.position")
    starts_at = serializers.TimeField(source="row.slot.starts_at", allow_null=True)
    category = CategorySerializer(source="row.slot.category", allow_null=True)
    capacity = serializers.IntegerField(source="row.slot.capacity")
    taken = serializers.IntegerField(source="row.slot.booked", help_text="Seats booked.")
    open = serializers.BooleanField(
        source="session.open", help_text="Booking and dropping are allowed now."
    )
    closes_at = serializers.DateTimeField(
        source="session.freeze", help_text="When the session's slots freeze."
    )
    mine = serializers.BooleanField(source="row.mine")
    waiting = serializers.IntegerField(
        source="session.waiting", help_text="Talks on the session's waitlist."
    )
    talks = TalkSerializer(source="row.talks", many=True)


class BookingSerializer(serializers.Serializer):
    talk = serializers.IntegerField(source="number")
    slot_id = serializers.IntegerField()
    paper_id = serializers.IntegerField(allow_null=True)
    booked_at = serializers.DateTimeField()


class SignUpRequestSerializer(serializers.Serializer):
    talk = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=20,
        help_text="Which of your talks (1, 2, ...); by default the first without a slot.",
    )


class ClaimSerializer(serializers.Serializer):
    talk = serializers.IntegerField(source="number")
    paper_id = serializers.IntegerField()


class WaitlistEntrySerializer(serializers.Serializer):
    session_id = serializers.IntegerField()
    talk = serializers.IntegerField(source="presentation.number")
    joined_at = serializers.DateTimeField(source="created_at")


class SwapSerializer(serializers.ModelSerializer):
    requester = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    requester_slot_id = serializers.IntegerField()
    target_slot_id = serializers.IntegerField()

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "status",
            "requester",
            "target",
            "requester_slot_id",
            "target_slot_id",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_requester(self, swap):
        user = swap.requester.student.user
        return user.get_full_name() or user.get_username()

    @extend_schema_field(serializers.CharField())
    def get_target(self, swap):
        user = swap.target.student.user
        return user.get_full_name() or user.get_username()


class SwapRequestSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The booked slot whose presenter you ask."
    )
