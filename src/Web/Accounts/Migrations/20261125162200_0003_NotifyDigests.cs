using System.Reflection;

using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Cybernet.Web.Accounts.Migrations;

/// <summary>The notify schema (unseen events, digest settings, digests), written as SQL in Digests/Sql/0003_notify_digests.sql.</summary>
[DbContext(typeof(AccountsDbContext))]
[Migration("20261125162200_0003_NotifyDigests")]
public sealed class NotifyDigests : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(EmbeddedSql.Read("0003_notify_digests.sql"));

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("DROP SCHEMA notify CASCADE;");
}

/// <summary>Reads a migration's SQL from the scripts embedded in this assembly, so the SQL reads as SQL.</summary>
internal static class EmbeddedSql
{
    public static string Read(string fileName)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var name = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith("." + fileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Embedded script '{fileName}' is missing; is Digests/Sql/*.sql an EmbeddedResource?");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
