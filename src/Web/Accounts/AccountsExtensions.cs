using Cybernet.Shared;
using Cybernet.Web.Email;

using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

using Npgsql;

namespace Cybernet.Web.Accounts;

/// <summary>Identity on PostgreSQL with cookie sign-in, and its schema migrations.</summary>
public static class AccountsExtensions
{
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        builder.AddKeyRing();

        builder.Services
            .AddIdentity<AppUser, IdentityRole<Guid>>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.User.AllowedUserNameCharacters = UserNameRules.AllowedCharacters;
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = true;
                o.Password.RequireDigit = true;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.SignIn.RequireConfirmedEmail = true;
            })
            .AddEntityFrameworkStores<AccountsDbContext>()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<DisplayNameClaimsFactory>();

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Administrator, p => p.RequireRole(Roles.Administrator));

        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "cybernet.auth";
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = "/Account/SignIn";
            o.LogoutPath = "/Account/SignOut";
            o.AccessDeniedPath = "/Account/SignIn";
            o.SlidingExpiration = true;

            // Identity resolves its security-stamp validator (and with it SignInManager, UserManager, the store and a
            // DbContext) from the request's services. A hub connection's request lives as long as the session, so
            // every connected user held a DbContext; a scope of its own lives only while the cookie is checked.
            o.Events.OnValidatePrincipal = async context =>
            {
                await using var scope = context.HttpContext.RequestServices.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ISecurityStampValidator>().ValidateAsync(context);
            };
        });
        builder.Services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IOptions<AccountOptions>>((o, accounts) => o.ExpireTimeSpan = accounts.Value.CookieLifetime);

        // The account emails are background jobs (AddJobs runs them); they make their tokens with Identity.
        builder.Services.AddScoped<AccountEmailJobs>();

        builder.Services.AddHealthChecks().AddDbContextCheck<AccountsDbContext>("postgres");
        return builder;
    }

    /// <summary>
    /// The accounts database and the Data Protection key ring kept in it: one ring for all web nodes, so a cookie
    /// or an emailed link made on one node verifies on any other.
    /// </summary>
    public static IHostApplicationBuilder AddKeyRing(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PostgresConnectionString();
        builder.Services.AddDbContext<AccountsDbContext>(o => o.UseNpgsql(connectionString,
            npgsql => npgsql.MigrationsHistoryTable(AccountsDbContext.HistoryTable, AccountsDbContext.Schema)));
        builder.Services.AddDataProtection()
            .SetApplicationName("cybernet-call")
            .PersistKeysToDbContext<AccountsDbContext>();
        return builder;
    }

    // "ACCOUNTS" in ASCII: this app's advisory lock key for Identity migrations.
    private const long MigrationLockKey = 0x4143434F554E5453;

    /// <summary>
    /// Applies pending Identity migrations under a session-level advisory lock, so web nodes starting together
    /// migrate one after the other. EF Core's own lock is released between migrations, which is not enough
    /// once there is more than one to apply (see src/Silo/Schema/OrleansSchema.cs).
    /// </summary>
    public static async Task MigrateAccountsAsync(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        var log = app.Logger;
        log.LogInformation("Accounts schema: waiting for the migration lock");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        await using var lockConnection = new NpgsqlConnection(app.Configuration.PostgresConnectionString());
        await lockConnection.OpenAsync(stopping);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection) { CommandTimeout = 0 })
        {
            take.Parameters.AddWithValue("key", MigrationLockKey);
            await take.ExecuteNonQueryAsync(stopping);
        }

        log.LogInformation("Accounts schema: took the migration lock after {Ms} ms", waited.ElapsedMilliseconds);
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
            await db.Database.MigrateAsync(stopping);
            await GrantAdministratorsAsync(scope.ServiceProvider);
            log.LogInformation("Accounts schema: up to date after {Ms} ms", waited.ElapsedMilliseconds);
        }
        finally
        {
            // Explicitly: a pooled connection keeps its session, and with it the lock, when it is closed.
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>Gives the role to the accounts named in Accounts:Administrators (those that exist yet; sign-up grants it to later ones).</summary>
    private static async Task GrantAdministratorsAsync(IServiceProvider services)
    {
        var roles = services.GetRequiredService<RoleManager<IdentityRole<Guid>>>();
        if (!await roles.RoleExistsAsync(Roles.Administrator))
        {
            await roles.CreateAsync(new IdentityRole<Guid>(Roles.Administrator));
        }

        var users = services.GetRequiredService<UserManager<AppUser>>();
        foreach (var name in services.GetRequiredService<IOptions<AccountOptions>>().Value.Administrators)
        {
            await GrantIfListedAsync(users, services.GetRequiredService<ILogger<AppUser>>(), await users.FindByNameAsync(UserNameRules.Normalize(name)), [name]);
        }
    }

    /// <summary>Makes <paramref name="user"/> an administrator when its username is in <paramref name="administrators"/>.</summary>
    public static async Task GrantIfListedAsync(UserManager<AppUser> users, ILogger logger, AppUser? user, IEnumerable<string> administrators)
    {
        if (user is null || !administrators.Any(a => UserNameRules.Normalize(a) == user.UserName) || await users.IsInRoleAsync(user, Roles.Administrator))
        {
            return;
        }

        await users.AddToRoleAsync(user, Roles.Administrator);
        AccountLog.AdministratorGranted(logger, user.UserName!);
    }
}
