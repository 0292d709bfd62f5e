using Cybernet.Web.Email;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cybernet.Web.Digests;

/// <summary>Unseen events, digest preferences and the digest pass; Hangfire on PostgreSQL runs the pass on a schedule.</summary>
public static class DigestsExtensions
{
    public const string DashboardPath = "/admin/jobs";
    public const string PassJobId = "digest-pass";

    /// <summary>The digest services alone (what a test or a benchmark composes to run a pass itself).</summary>
    public static IHostApplicationBuilder AddDigests(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        builder.Services.AddOptions<DigestOptions>().BindConfiguration(DigestOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton<DigestSettingsStore>();
        builder.Services.AddSingleton<UnsubscribeTokens>();
        builder.Services.AddSingleton<DigestEmails>();
        builder.Services.AddSingleton<DigestMetrics>();
        builder.Services.TryAddSingleton<IPresenceLookup, GrainPresenceLookup>();
        builder.Services.AddSingleton<DigestQueries>();
        builder.Services.AddSingleton<DigestPass>();
        return builder;
    }

    /// <summary>Hangfire's storage (its own "hangfire" schema, which it installs and upgrades itself) and a job server.</summary>
    public static IHostApplicationBuilder AddDigestJobs(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Postgres")!;
        var digests = builder.Configuration.GetSection(DigestOptions.SectionName).Get<DigestOptions>() ?? new DigestOptions();
        builder.Services.AddHangfire(hangfire => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                // Account emails wait in the queue at most this long.
                QueuePollInterval = TimeSpan.FromMilliseconds(500),
                // A lock row left by a node that died is cleared after this (Hangfire's default is 10 minutes, during
                // which the digest pass could not be scheduled). Our own work never holds one for long.
                DistributedLockTimeout = TimeSpan.FromMinutes(1),
            }));
        builder.Services.AddHangfireServer(o =>
        {
            o.WorkerCount = 2;
            o.SchedulePollingInterval = digests.PollInterval;
            o.ServerName = $"web-{Environment.ProcessId}";
        });
        builder.Services.AddTransient<DigestJob>();
        builder.Services.AddHostedService<DigestScheduleRegistration>();
        builder.Services.AddScoped<AccountEmailJobs>();
        return builder;
    }

    /// <summary>The administrators' dashboard (the recurring pass is registered by <see cref="DigestScheduleRegistration"/>).</summary>
    public static WebApplication MapDigests(this WebApplication app)
    {
        app.UseHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [new AdministratorsOnly()],
            DashboardTitle = "Cybernet Call · jobs",
            AppPath = "/",
            DisplayStorageConnectionString = false,
        });
        return app;
    }

    /// <summary>The dashboard is for the administrator role: 401 signed out, 403 signed in without the role.</summary>
    private sealed class AdministratorsOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Administrator);
    }
}

/// <summary>
/// Registers (or updates) the recurring digest pass once the node is up, retrying until it succeeds: Hangfire takes
/// a lock to do it, and a lock left by a node that died must not keep this node from starting.
/// </summary>
public sealed partial class DigestScheduleRegistration(IRecurringJobManager jobs, IOptions<DigestOptions> options, ILogger<DigestScheduleRegistration> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                jobs.AddOrUpdate<DigestJob>(DigestsExtensions.PassJobId, job => job.RunAsync(CancellationToken.None), options.Value.Schedule);
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogRetry(logger, error.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the digest schedule yet ({Error}); trying again in 5 s")]
    private static partial void LogRetry(ILogger logger, string error);
}

/// <summary>The recurring digest pass as Hangfire runs it. A failed pass is not retried: the next scheduled one is the retry.</summary>
public sealed class DigestJob(DigestPass pass)
{
    [AutomaticRetry(Attempts = 0, LogEvents = true)]
    [Queue("default")]
    public async Task RunAsync(CancellationToken cancellationToken) => await pass.RunAsync(cancellationToken);
}
