"""indexes for the administrators' filters: the audit log by request id, security events by
user and kind (each a scan of the whole table without them)

Revision ID: 0012_lookup_indexes
Revises: 0011_document
"""
from alembic import op

revision = '0012_lookup_indexes'
down_revision = '0011_document'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_events_request_id', 'audit_events', ['request_id'])
    op.create_index('ix_security_events_username', 'security_events', ['username'])
    op.create_index('ix_security_events_kind', 'security_events', ['kind'])


def downgrade() -> None:
    op.drop_index('ix_security_events_kind', table_name='security_events')
    op.drop_index('ix_security_events_username', table_name='security_events')
    op.drop_index('ix_audit_events_request_id', table_name='audit_events')
