"""resolutions of disagreements between reviewers' marks

Revision ID: 0010_resolutions
Revises: 0009_assign
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_resolutions'
down_revision = '0009_assign'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'resolutions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=40), nullable=False),
        sa.Column('rubric_version_id', sa.Integer(), nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('chosen_reviewer_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('resolved_by', sa.Integer(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id']),
        sa.ForeignKeyConstraint(['chosen_reviewer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['resolved_by'], ['users.id']),
        sa.ForeignKeyConstraint(['rubric_version_id'], ['rubric_versions.id']),
        sa.ForeignKeyConstraint(['town_id'], ['towns.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assessment_id', 'town_id', 'item_id'),
    )
    op.create_index(op.f('ix_resolutions_assessment_id'), 'resolutions', ['assessment_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resolutions_assessment_id'), table_name='resolutions')
    op.drop_table('resolutions')
