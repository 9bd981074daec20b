"""The service's requests and responses, importable by clients and tests.

A search field left out (null) takes the index's saved setting, else the default of
:class:`embedlab.index.settings.SearchSettings`, as :meth:`embedlab.index.Index.search` does. Types are strict:
``"k": true`` or ``"k": 2.5`` are refused rather than read as 1 or 2, NaN and infinities are refused, and text must
be valid Unicode (no lone surrogates). Limits that the operator configures (how many texts, how long, how deep a
rerank) are checked by the service against :class:`embedlab.serve.settings.ServiceSettings`, not here.

Example:
    >>> SearchRequest(query="solar power", k=5).k
    5
    >>> EmbedRequest(texts=["what is solar power?"], input_type="query").input_type
    'query'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

InputType = Literal["query", "document", "text"]


def _utf8(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid UTF-8 (no lone surrogates)") from exc
    return value


Text = Annotated[StrictStr, Field(min_length=1), AfterValidator(_utf8)]
PositiveInt = Annotated[StrictInt, Field(ge=1)]
Fraction = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
FilterScalar = (
    Annotated[StrictStr, Field(max_length=1000), AfterValidator(_utf8)]
    | StrictBool
    | StrictInt
    | Annotated[float, Field(strict=True, allow_inf_nan=False)]
)
FilterValue = (
    FilterScalar
    | list[FilterScalar]
    | dict[Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"], FilterScalar | list[FilterScalar]]
)


class Strict(BaseModel):
    """A request model that refuses fields it does not know (a typo is an error, not a silent default)."""

    model_config = ConfigDict(extra="forbid")


class SearchRequest(Strict):
    """``POST /search``: the arguments of :meth:`embedlab.index.Index.search`."""

    query: Text
    k: PositiveInt | None = Field(None, description="number of results")
    mode: Literal["dense", "bm25", "hybrid"] | None = None
    exact: StrictBool | None = Field(None, description="dense search by brute force instead of the ANN graph")
    fusion: Literal["rrf", "weighted"] | None = None
    alpha: Fraction | None = Field(None, description="weight of dense scores in weighted fusion")
    rrf_k: Annotated[StrictInt, Field(ge=0)] | None = None
    filters: (
        list[Annotated[StrictStr, Field(max_length=1000), AfterValidator(_utf8)]] | dict[str, FilterValue] | None
    ) = Field(None, description="['year>=2020', 'lang in [en,de]'] or {'year': {'gte': 2020}, 'lang': ['en', 'de']}")
    mmr: Fraction | Literal[False] | None = Field(
        None, description="MMR lambda (1 = relevance only); false: no MMR even if the index saved one"
    )
    rerank: StrictBool = Field(False, description="rerank the top candidates with the server's cross-encoder")
    rerank_top: PositiveInt | None = Field(None, description="how many candidates the cross-encoder rescores")
    candidates: PositiveInt | Literal[False] | None = Field(None, description="depth of each first-stage list")

    def search_arguments(self) -> dict[str, Any]:
        """The request's fields as keyword arguments of :meth:`embedlab.index.Index.search` (``rerank`` is not one:
        the service turns it into its own cross-encoder)."""
        return {name: getattr(self, name) for name in type(self).model_fields if name != "rerank"}


class Hit(BaseModel):
    """One search result (:class:`embedlab.index.search.Hit`)."""

    id: str
    doc_id: str
    text: str
    score: float
    scores: dict[str, float]
    metadata: dict[str, Any]
    start: int
    end: int


class SearchResponse(BaseModel):
    query: str
    mode: str
    hits: list[Hit]


class EmbedRequest(Strict):
    """``POST /embed``: texts as queries, documents (default) or plain texts (STS, classification)."""

    texts: list[Text] = Field(..., min_length=1)
    input_type: InputType = Field(
        "document",
        validation_alias=AliasChoices("input_type", "kind"),  # "kind" is the name earlier versions used
        description="query: the model's query prompt or tower; document: its document side; text: neither",
    )


class EmbedResponse(BaseModel):
    model: str
    dimension: int
    input_type: InputType
    embeddings: list[list[float]]


class OpenAIEmbeddingRequest(BaseModel):
    """``POST /v1/embeddings`` as OpenAI defines it, plus ``input_type`` (documents unless the client says query)."""

    input: Text | list[Text] | list[StrictInt] | list[list[StrictInt]]
    model: StrictStr = Field("embedlab", max_length=500)
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: PositiveInt | None = None
    user: StrictStr | None = Field(None, max_length=500)
    input_type: InputType = Field("document", description="query, document (default) or text")


class OpenAIEmbedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class OpenAIUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class OpenAIEmbeddingResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenAIEmbedding]
    model: str
    usage: OpenAIUsage


class OpenAIModel(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "embedlab"


class OpenAIModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenAIModel]


class RerankRequest(Strict):
    """``POST /rerank``: cross-encoder scores of documents for a query."""

    query: Text
    documents: list[Text] = Field(..., min_length=1)
    top_n: PositiveInt | None = None
    return_documents: StrictBool = True


class RerankResult(BaseModel):
    index: int
    relevance_score: float
    document: str | None = None


class RerankResponse(BaseModel):
    model: str | None
    results: list[RerankResult]


class ErrorDetail(BaseModel):
    """OpenAI's error object: clients show ``message``; ``param`` names the JSON field at fault."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
