"""conflicts of interest, marks kept after their assignment went, appeal arbiters

Revision ID: 0009_assign
Revises: 0008_blobs
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_assign'
down_revision = '0008_blobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'conflicts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('declared_by', sa.Integer(), nullable=True),
        sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id']),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id']),
        sa.ForeignKeyConstraint(['town_id'], ['towns.id']),
        sa.ForeignKeyConstraint(['declared_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assessment_id', 'reviewer_id', 'town_id'),
    )
    op.create_index('ix_conflicts_reviewer_id', 'conflicts', ['reviewer_id'])
    op.create_index('ix_conflicts_assessment_id', 'conflicts', ['assessment_id'])
    # Plain ADD COLUMN: a batch copy would drop tables other rows reference (SQLite keeps FKs on).
    op.add_column('marks', sa.Column('kept', sa.Boolean(), nullable=False, server_default=sa.false()))
    for table in ('appeals', 'assessments'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} ADD COLUMN arbiter_id INTEGER REFERENCES users (id)')
        else:
            op.add_column(table, sa.Column('arbiter_id', sa.Integer(), nullable=True))
            op.create_foreign_key(f'fk_{table}_arbiter', table, 'users', ['arbiter_id'], ['id'])


def downgrade() -> None:
    for table in ('assessments', 'appeals'):
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'fk_{table}_arbiter', table, type_='foreignkey')
        op.drop_column(table, 'arbiter_id')
    op.drop_column('marks', 'kept')
    op.drop_index('ix_conflicts_assessment_id', 'conflicts')
    op.drop_index('ix_conflicts_reviewer_id', 'conflicts')
    op.drop_table('conflicts')
