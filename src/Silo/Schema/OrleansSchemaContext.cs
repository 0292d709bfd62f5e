using Microsoft.EntityFrameworkCore;

namespace Cybernet.Silo.Schema;

/// <summary>
/// Carries the Orleans schema migrations. It maps no entities: Orleans talks to its tables through
/// the queries stored in OrleansQuery, never through EF Core; EF Core is used only to apply,
/// record and serialise the migrations.
/// </summary>
internal sealed class OrleansSchemaContext(DbContextOptions<OrleansSchemaContext> options) : DbContext(options);
