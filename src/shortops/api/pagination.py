"""Query parameters shared by every paginated list."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from shortops.kit.pagination import MAX_PER_PAGE, PageParams


def page_params(
    page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page")] = 50,
) -> PageParams:
    return PageParams(page=page, per_page=per_page)


PageQuery = Annotated[PageParams, Depends(page_params)]
