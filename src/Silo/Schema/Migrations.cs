using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Cybernet.Silo.Schema;

// The Orleans schema, in the order it is applied. Each id names its script in Schema/Sql.
// A change to an applied script is a new migration, never an edit of an old one.

[DbContext(typeof(OrleansSchemaContext))]
[Migration("0001_orleans_query")]
internal sealed class OrleansQueryMigration : SqlScriptMigration;

[DbContext(typeof(OrleansSchemaContext))]
[Migration("0002_orleans_clustering")]
internal sealed class OrleansClusteringMigration : SqlScriptMigration;

[DbContext(typeof(OrleansSchemaContext))]
[Migration("0003_orleans_persistence")]
internal sealed class OrleansPersistenceMigration : SqlScriptMigration;

[DbContext(typeof(OrleansSchemaContext))]
[Migration("0004_orleans_reminders")]
internal sealed class OrleansRemindersMigration : SqlScriptMigration;
