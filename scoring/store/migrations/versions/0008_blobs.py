"""file bytes in the database (content-addressed blobs) and finished ZIP jobs

Revision ID: 0008_blobs
Revises: 0007_security
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_blobs'
down_revision = '0007_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'blobs',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )
    op.create_table(
        'document_exports',
        sa.Column('job_id', sa.String(length=64), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id']),
        sa.PrimaryKeyConstraint('job_id'),
    )
    op.create_index('ix_document_exports_assessment_id', 'document_exports', ['assessment_id'])


def downgrade() -> None:
    op.drop_index('ix_document_exports_assessment_id', table_name='document_exports')
    op.drop_table('document_exports')
    op.drop_table('blobs')
