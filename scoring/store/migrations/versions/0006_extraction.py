"""evidence files keep the state of their text: extraction runs as a background job

Revision ID: 0006_extraction
Revises: 0005_year
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_extraction'
down_revision = '0005_year'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Files stored before this revision were extracted inside their upload: their text is there.
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_state', sa.String(length=16), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('text_reason', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('text_updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_column('text_updated_at')
        batch_op.drop_column('text_reason')
        batch_op.drop_column('text_state')
