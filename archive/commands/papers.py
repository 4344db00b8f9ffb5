"""Post-loan management papers (贷后管理文书): drafted with their document, reviewed step by
step, revised when returned, submitted up and read there (阅知).

A paper belongs to its author's unit. Its document — a PDF uploaded as document type
``management_paper`` — is checked like any other (archive/documents/ingest.py) and stored under
the paper's own key (``<paper id>/<sha256>``, encrypted like a dossier's documents), its SHA-256
in the event that cites it. Each review step is taken by someone whose act scope reaches the
paper's unit; the acknowledgement by a branch head of the unit the paper was submitted to. The
rules are in :mod:`domain.papers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from archive.commands import Command, handles
from archive.core import SYSTEM_ID, ArchiveCore, CommandContext, CommandResult, Work, blob_key
from archive.documents.ingest import Upload
from archive.fields import Code, Number, Short, Text
from domain.authorization import Action
from domain.errors import InvalidInputError, NotFoundError
from domain.numbering import FormKind
from domain.papers import MAX_LOANS, PAPER_DOC_TYPE, LoanMeasures, ManagementPaper, PaperKind
from domain.values import Actor, DocumentRef, Role


class LoanMeasuresIn(BaseModel):
    """A loan the meeting discussed, with the measures it decided (逐户研究措施)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    loan_no: Number = Field(description="借据号")
    measures: Text = Field(description="the measures decided for this loan (防范化解措施)")


Loans = Annotated[list[LoanMeasuresIn], Field(max_length=MAX_LOANS)]


class DraftPaper(Command):
    """A post-loan management paper (贷后管理文书) drafted by its author for their unit, with its
    document (one PDF, document type ``management_paper``); it goes to the first step of the
    chain its kind names."""

    action = Action.DRAFT_PAPER
    assigned = ("paper_id",)

    kind: Code = Field(description="the kind of paper (rules.toml [papers.kinds])")
    period: Short | None = Field(
        default=None, description="the period covered: 2026, 2026-Q3 or 2026-09 (not minutes)"
    )
    met_on: date | None = Field(default=None, description="the day of the meeting (minutes)")
    title: Short = Field(description="标题")
    drafted_on: date = Field(description="起草日期")
    loans: Loans = Field(
        default_factory=list,
        description="minutes: each loan discussed with the measures decided (逐户研究措施)",
    )
    paper_id: UUID = Field(default_factory=uuid4)


class PaperCommand(Command):
    """A command on one paper, named by its id in the path."""

    path: ClassVar[tuple[str, ...]] = ("paper_id",)
    files_documents: ClassVar[bool] = False

    paper_id: UUID


class ReviewPaper(PaperCommand):
    """The step of the chain awaited approves the paper, or returns it with a reason."""

    action = Action.REVIEW_PAPER

    approved: bool = Field(description="false: returned to its author (退回修改)")
    reason: Text = Field(description="the review opinion (审阅意见), or why it is returned")
    vetted_on: date = Field(description="审阅日期")


class RevisePaper(PaperCommand):
    """The author revises a returned paper with a new document; the chain starts again."""

    action = Action.DRAFT_PAPER
    files_documents: ClassVar[bool] = True

    note: Text = Field(description="what was changed (修改说明)")
    revised_on: date = Field(description="修改日期")
    loans: Loans | None = Field(
        default=None, description="minutes: the loans and measures as revised (none: unchanged)"
    )


class AcknowledgePaper(PaperCommand):
    """A head of the unit the paper was submitted to reads it (阅知)."""

    action = Action.ACKNOWLEDGE_PAPER

    acknowledged_on: date = Field(description="阅知日期")
    opinion: Text = Field(description="the reading opinion (阅知意见)")


class PaperCommands(ArchiveCore):
    """Post-loan management papers and their reading."""

    def paper(self, paper_id: UUID) -> ManagementPaper:
        return self._load(ManagementPaper, paper_id, "贷后管理文书", "management paper")

    def _paper_document(self, refs: list[DocumentRef]) -> DocumentRef:
        if len(refs) != 1 or refs[0].doc_type != PAPER_DOC_TYPE:
            raise InvalidInputError(
                f"须上传文书一份（PDF，文档类型 {PAPER_DOC_TYPE}）",
                f"upload the paper as one document (a PDF of type {PAPER_DOC_TYPE})",
                field="documents",
            )
        return refs[0]

    def _measures(self, actor: Actor, loans: list[LoanMeasuresIn]) -> list[LoanMeasures]:
        """Each loan named, in the author's read scope, with its borrower's name."""
        found: list[LoanMeasures] = []
        for item in loans:
            loan = self.loan(item.loan_no)
            self.check_reach(actor, Action.READ_BUSINESS, loan.loan_no)
            found.append(LoanMeasures(loan.loan_no, loan.borrower_name, item.measures))
        return found

    def _acting_as(self, ctx: CommandContext, actor: Actor, wanted: set[Role]) -> Actor:
        """The caller in the role the paper asks for, when they hold it and named no role: a
        person who is both post-loan officer and team manager drafts as the one the kind names
        and reviews as the step awaited."""
        if ctx.role is not None or actor.role in wanted or actor.id == SYSTEM_ID:
            return actor
        held = self.staff_by_id(actor.id).roles_at(self.clock())
        fitting = sorted((r for r in held if r in wanted), key=lambda r: r.value)
        return Actor(actor.id, fitting[0]) if fitting else actor

    def _unit_of(self, actor: Actor) -> str:
        if actor.id == SYSTEM_ID:
            raise InvalidInputError(
                "文书由本机构人员起草", "a paper is drafted by someone of its unit", field="kind"
            )
        return self.staff_by_id(actor.id).branch

    @handles(DraftPaper)
    def draft_paper(
        self, ctx: CommandContext, cmd: DraftPaper, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Draft a post-loan management paper with its document."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            rules = self.rule_set()
            kind: PaperKind = rules.papers.kind(cmd.kind)
            actor = self._acting_as(ctx, actor, set(kind.drafted_by))
            branch = self._unit_of(actor)
            unit = rules.scope.hierarchy.units.get(branch)
            numbers = self.number_book(FormKind.PAPER, cmd.drafted_on.year)
            paper = ManagementPaper.draft(
                paper_id=cmd.paper_id,
                paper_no=numbers.take(),
                kind=kind,
                branch=branch,
                parent=unit.parent if unit is not None else None,
                period=cmd.period,
                met_on=cmd.met_on,
                title=cmd.title,
                drafted_on=cmd.drafted_on,
                document=self._paper_document(refs),
                loans=self._measures(actor, list(cmd.loans)),
                calendar=rules.calendar,
                rules_version=rules.version,
                actor=actor,
            )
            ids = {"paper_id": str(paper.id), "paper_no": paper.paper_no}
            return Work(paper, [paper, numbers], ids)

        return self.run(ctx, cmd, body, uploads)

    @handles(ReviewPaper)
    def review_paper(self, ctx: CommandContext, cmd: ReviewPaper) -> CommandResult:
        """A step of the paper's chain approves it or returns it (审阅)."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            paper = self.paper(cmd.paper_id)
            self.check_version(paper, ctx)
            step = paper.next_step
            if step is not None:
                actor = self._acting_as(ctx, actor, {paper.chain[step][0]})
            self._reach_paper(paper.branch, actor, Action.REVIEW_PAPER, paper.paper_no)
            paper.review(
                approved=cmd.approved, reason=cmd.reason, reviewed_on=cmd.vetted_on, actor=actor
            )
            return Work(paper, [paper], {"paper_id": str(paper.id), "state": paper.state.value})

        return self.run(ctx, cmd, body)

    @handles(RevisePaper)
    def revise_paper(
        self, ctx: CommandContext, cmd: RevisePaper, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """The author revises a returned paper with a new document."""

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            paper = self.paper(cmd.paper_id)
            self.check_version(paper, ctx)
            kind = self.rule_set().papers.kinds.get(paper.kind)
            paper.revise(
                document=self._paper_document(refs),
                note=cmd.note,
                revised_on=cmd.revised_on,
                loans=None if cmd.loans is None else self._measures(actor, list(cmd.loans)),
                kind=kind,
                actor=actor,
            )
            return Work(paper, [paper], {"paper_id": str(paper.id)})

        return self.run(ctx, cmd, body, uploads)

    @handles(AcknowledgePaper)
    def acknowledge_paper(self, ctx: CommandContext, cmd: AcknowledgePaper) -> CommandResult:
        """A head of the unit above reads the paper submitted to it (阅知)."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            paper = self.paper(cmd.paper_id)
            self.check_version(paper, ctx)
            paper.acknowledge(
                acknowledged_on=cmd.acknowledged_on,
                opinion=cmd.opinion,
                actor=actor,
                actor_branch="" if actor.id == SYSTEM_ID else self.staff_by_id(actor.id).branch,
            )
            return Work(paper, [paper], {"paper_id": str(paper.id)})

        return self.run(ctx, cmd, body)

    # -------------------------------------------------------------------- reading
    def read_paper(self, ctx: CommandContext, paper_id: UUID) -> ManagementPaper:
        """A paper, to those who read its unit's business within their scope and to the unit
        it was submitted to."""
        try:
            paper = self.paper(paper_id)
        except NotFoundError:
            self.actor(ctx, Action.READ_BUSINESS)
            raise
        actor = self.actor(ctx, Action.READ_BUSINESS)
        if (
            paper.submitted_to is not None
            and actor.id != SYSTEM_ID
            and self.staff_by_id(actor.id).branch == paper.submitted_to
        ):
            return paper
        self._reach_paper(paper.branch, actor, Action.READ_BUSINESS, paper.paper_no)
        return paper

    def paper_document(
        self, ctx: CommandContext, paper_id: UUID, sha256: str | None = None
    ) -> tuple[ManagementPaper, DocumentRef, bytes]:
        """The paper's document as stored (the latest revision, or the one named)."""
        paper = self.read_paper(ctx, paper_id)
        ref = paper.document
        if sha256 is not None:
            named = next((d for d in paper.documents if d.sha256 == sha256), None)
            if named is None:
                raise NotFoundError(
                    f"{paper.paper_no} 没有此文档", f"{paper.paper_no} has no such document"
                )
            ref = named
        return paper, ref, self.blobs.get(blob_key(paper.id, ref.sha256))

    def _reach_paper(self, branch: str, actor: Actor, action: Action, what: str) -> None:
        reaching = self.reaching(actor, action)
        if reaching is not None and not reaching.reaches_branch(branch):
            raise reaching.refusal(
                f"{what}（{branch}）", f"{what} ({branch})", field="branch", branch=branch
            )
