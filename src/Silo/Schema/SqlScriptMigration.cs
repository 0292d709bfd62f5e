using System.Reflection;

using Microsoft.EntityFrameworkCore.Migrations;

namespace Cybernet.Silo.Schema;

/// <summary>
/// A migration whose whole body is the embedded script Schema/Sql/&lt;migration id&gt;.sql, so the SQL
/// reads as SQL and the C# only says which scripts exist and in what order.
/// </summary>
internal abstract class SqlScriptMigration : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var id = GetType().GetCustomAttribute<MigrationAttribute>()?.Id
            ?? throw new InvalidOperationException($"{GetType().Name} has no [Migration] attribute.");
        migrationBuilder.Sql(ReadScript(id));
    }

    // Forward only: the Orleans tables hold live cluster state, and a rollback would be a new migration.
    protected override void Down(MigrationBuilder migrationBuilder) =>
        throw new NotSupportedException("Orleans schema migrations are forward-only.");

    private static string ReadScript(string id)
    {
        var assembly = typeof(SqlScriptMigration).Assembly;
        var suffix = $".Schema.Sql.{id}.sql";
        var name = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Embedded script '*{suffix}' is missing; is Schema/Sql/*.sql an EmbeddedResource?");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
