using Cybernet.Shared;

using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;

using Microsoft.Extensions.Options;

namespace Cybernet.Web.Jobs;

/// <summary>
/// Background jobs, set up once for every feature that has some (account emails, the digest pass): Hangfire on
/// PostgreSQL (its own "hangfire" schema, which it installs and upgrades itself), a job server on each web node, and
/// the administrators' dashboard. Features only register their jobs.
/// </summary>
public static class JobsExtensions
{
    public const string DashboardPath = "/admin/jobs";

    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PostgresConnectionString();
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
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
        builder.Services.AddHangfireServer((services, o) =>
        {
            o.WorkerCount = 2;
            o.SchedulePollingInterval = services.GetRequiredService<IOptions<JobsOptions>>().Value.PollInterval;
            o.ServerName = $"web-{Environment.ProcessId}";
        });
        return builder;
    }

    /// <summary>The administrators' dashboard.</summary>
    public static WebApplication MapJobs(this WebApplication app)
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
