"""the issuer (落款) and document number (文号) an assessment's scorecards are issued under

Revision ID: 0011_document
Revises: 0010_resolutions
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_document'
down_revision = '0010_resolutions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessments') as batch:
        batch.add_column(sa.Column('issuer', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('document_number', sa.String(length=100), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('assessments') as batch:
        batch.drop_column('document_number')
        batch.drop_column('issuer')
