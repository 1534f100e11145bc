"""Every kind of job the workers run. Each domain's issue adds its own here."""

from core.broadcasts.service import BROADCAST_JOB_KIND, broadcast_chunk
from core.coupons.service import ISSUE_JOB_KIND, issue_coupons_chunk
from core.jobs.service import JobKind

JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(ISSUE_JOB_KIND, issue_coupons_chunk, chunk_size=500),
        JobKind(BROADCAST_JOB_KIND, broadcast_chunk, chunk_size=500),
    )
}
