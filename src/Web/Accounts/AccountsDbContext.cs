using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Cybernet.Web.Accounts;

/// <summary>
/// ASP.NET Core Identity's tables in PostgreSQL, in the "accounts" schema, and the Data Protection key ring that
/// every web node shares (sign-in cookies, email tokens and unsubscribe links must verify on any node).
/// </summary>
public sealed class AccountsDbContext(DbContextOptions<AccountsDbContext> options)
    : IdentityDbContext<AppUser, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public const string Schema = "accounts";
    public const string HistoryTable = "__accounts_migrations";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        builder.Entity<AppUser>().Property(u => u.DisplayName).HasMaxLength(AppUser.MaxDisplayNameLength);
    }
}

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
public sealed class AccountsDbContextFactory : IDesignTimeDbContextFactory<AccountsDbContext>
{
    public AccountsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AccountsDbContext>()
            .UseNpgsql("Host=design-time", o => o.MigrationsHistoryTable(AccountsDbContext.HistoryTable, AccountsDbContext.Schema))
            .Options);
}
