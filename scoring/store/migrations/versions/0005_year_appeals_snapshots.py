"""appeals of marks and frozen ranking snapshots (公示)

Revision ID: 0005_year
Revises: 0004_evidence
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_year'
down_revision = '0004_evidence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'appeals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=40), nullable=False),
        sa.Column('mark_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('attachment_name', sa.String(length=255), nullable=False),
        sa.Column('attachment_kind', sa.String(length=8), nullable=False),
        sa.Column('attachment_sha256', sa.String(length=64), nullable=False),
        sa.Column('filed_by', sa.Integer(), nullable=True),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reply', sa.Text(), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('inputs_before', sa.JSON(), nullable=True),
        sa.Column('inputs_after', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id']),
        sa.ForeignKeyConstraint(['filed_by'], ['users.id']),
        sa.ForeignKeyConstraint(['mark_id'], ['marks.id']),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['town_id'], ['towns.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_appeals_assessment_id'), 'appeals', ['assessment_id'], unique=False)
    op.create_index(op.f('ix_appeals_town_id'), 'appeals', ['town_id'], unique=False)
    op.create_table(
        'ranking_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('appeal_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id']),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id']),
        sa.ForeignKeyConstraint(['created_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assessment_id', 'version'),
    )
    op.create_index(op.f('ix_ranking_snapshots_assessment_id'), 'ranking_snapshots', ['assessment_id'],
                    unique=False)
    op.create_table(
        'snapshot_rows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('town', sa.String(length=100), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('total', sa.String(length=40), nullable=False),
        sa.Column('grade', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['snapshot_id'], ['ranking_snapshots.id']),
        sa.ForeignKeyConstraint(['town_id'], ['towns.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_snapshot_rows_snapshot_id'), 'snapshot_rows', ['snapshot_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_snapshot_rows_snapshot_id'), table_name='snapshot_rows')
    op.drop_table('snapshot_rows')
    op.drop_index(op.f('ix_ranking_snapshots_assessment_id'), table_name='ranking_snapshots')
    op.drop_table('ranking_snapshots')
    op.drop_index(op.f('ix_appeals_town_id'), table_name='appeals')
    op.drop_index(op.f('ix_appeals_assessment_id'), table_name='appeals')
    op.drop_table('appeals')
