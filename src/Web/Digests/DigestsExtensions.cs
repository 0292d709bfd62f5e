using Cybernet.Shared;

using Hangfire;

using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

using Npgsql;

namespace Cybernet.Web.Digests;

/// <summary>Digest preferences and the digest pass over the unseen events; its job on a schedule (Hangfire itself is set up by AddJobs).</summary>
public static class DigestsExtensions
{
    public const string PassJobId = "digest-pass";

    /// <summary>The digest services alone (what a test or a benchmark composes to run a pass itself).</summary>
    public static IHostApplicationBuilder AddDigests(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PostgresConnectionString();
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

    /// <summary>The digest pass as a recurring job.</summary>
    public static IHostApplicationBuilder AddDigestJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTransient<DigestJob>();
        builder.Services.AddHostedService<DigestScheduleRegistration>();
        return builder;
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
