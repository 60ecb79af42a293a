"""Column mapping as a choice: the model picks one of the readings the rules found (`jixiao.mapcands`).

The rules enumerate the complete mappings that the cells' content types and the table's arithmetic allow,
and settle the table themselves when the best of them read the same values (`jixiao.gapsettle`). What is
left here are readings that differ (目标值 or 完成值 of two columns): the model sees the header cells with
sample values and the readings, described only by the columns where they differ, and answers one letter
(or 都不对). The reply's schema is an enumeration of those letters, so a server that compiles the schema
into a grammar (llama.cpp) lets a small model write nothing else. A small model answers by the letters'
places as much as by the headers, so the question is asked a second time with the readings in reverse
order, and a pick counts only when both answers name the same reading.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from jixiao.gaps import Gap
from jixiao.llm.prompts import chat, render
from jixiao.llm.service import LlmService, Reply
from jixiao.mapcands import Candidate, column_samples

NONE_OF_THEM = "都不对"
LETTERS = "ABCD"
_SAMPLES = 3


class ColumnChoice(BaseModel):
    """The reading the model picked: a letter of the candidates, or 都不对."""

    model_config = ConfigDict(populate_by_name=True)
    answer: str = Field(alias="答案")


def choice_model(count: int) -> type[ColumnChoice]:
    """The reply model for `count` candidates: 答案 is one of their letters or 都不对."""
    options = (*LETTERS[:count], NONE_OF_THEM)
    fields: dict[str, Any] = {"answer": (Literal[options], Field(alias="答案"))}
    return create_model("ColumnChoice", __base__=ColumnChoice, **fields)


def _column_name(gap: Gap, index: int) -> str:
    header = gap.cells[index].text
    return header if header == f"第{index + 1}列" else f"第{index + 1}列“{header}”"


def describe(gap: Gap, found: list[Candidate], labels: dict[str, str], skip: str) -> list[dict[str, Any]]:
    """Each candidate as its letter and the columns where the candidates differ (column → field label)."""
    differing = [i for i in range(len(gap.cells)) if len({c.fields[i] for c in found}) > 1]
    if not differing:  # one candidate: show what it reads
        differing = [i for i, f in enumerate(found[0].fields) if f is not None]
    return [{"letter": LETTERS[n],
             "reads": "，".join(f"{_column_name(gap, i)}是{labels[f] if (f := c.fields[i]) else skip}"
                               for i in differing)}
            for n, c in enumerate(found)]


def request_choice(service: LlmService, gap: Gap, found: list[Candidate], labels: dict[str, str], skip: str,
                   ) -> tuple[Reply, str, list[str | None] | None]:
    """One request: (the reply, the template's sha256, the picked candidate's fields or None)."""
    samples = column_samples(gap)
    columns = [{"name": _column_name(gap, i), "samples": s[:_SAMPLES]} for i, s in enumerate(samples)]
    user, sha = render("column_choice.j2", reason=gap.reason, columns=columns,
                       readings=describe(gap, found, labels, skip), none_of_them=NONE_OF_THEM)
    reply = service.structured(chat(user), choice_model(len(found)), {})
    answer = (reply.data or {}).get("answer") if reply.error is None else None
    if answer is None or answer == NONE_OF_THEM or answer not in LETTERS[:len(found)]:
        return reply, sha, None
    return reply, sha, found[LETTERS.index(answer)].fields


def choose(service: LlmService, gap: Gap, found: list[Candidate], labels: dict[str, str], skip: str,
           ) -> tuple[list[Reply], str, list[str | None] | None, str | None]:
    """Ask with the readings as ranked, then reversed: (the replies, the template's sha256, the fields both
    answers picked, or None with why not)."""
    first, sha, fields = request_choice(service, gap, found, labels, skip)
    if fields is None:
        return [first], sha, None, first.error or "模型认为这些读法都不对"
    if len(found) == 1:
        return [first], sha, fields, None
    second, _, again = request_choice(service, gap, found[::-1], labels, skip)
    if again != fields:
        picked = (second.data or {}).get("answer") if second.error is None else second.error
        return ([first, second], sha, None,
                f"读法顺序颠倒后两次回答不一致（先选{(first.data or {}).get('answer')}，后选{picked}）")
    return [first, second], sha, fields, None
