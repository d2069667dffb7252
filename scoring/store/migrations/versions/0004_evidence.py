"""passages keep what extraction knew: row, end page, heading flag, section path

Revision ID: 0004_evidence
Revises: 0003_prod
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_evidence'
down_revision = '0003_prod'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('passages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('page_end', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_heading', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('section_path', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('passages', schema=None) as batch_op:
        batch_op.drop_column('section_path')
        batch_op.drop_column('is_heading')
        batch_op.drop_column('page_end')
        batch_op.drop_column('row')
