using System.Net;

using Cybernet.Shared;
using Cybernet.Silo.Schema;

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Cybernet.Silo;

/// <summary>The silo's composition root: Orleans on PostgreSQL (clustering, grain state, reminders) and its health.</summary>
public static class SiloExtensions
{
    private const string Invariant = "Npgsql";

    public static IHostApplicationBuilder AddCybernetSilo(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PostgresConnectionString();
        builder.Services.AddOptions<SiloOptions>().BindConfiguration(SiloOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        builder.UseOrleans(orleans =>
        {
            // From the validated options, after Orleans's own defaults.
            orleans.Services.AddOptions<ClusterOptions>().Configure<IOptions<SiloOptions>>((o, silo) =>
            {
                o.ClusterId = silo.Value.ClusterId;
                o.ServiceId = silo.Value.ServiceId;
            });
            orleans.Services.AddOptions<EndpointOptions>().Configure<IOptions<SiloOptions>>((o, options) =>
            {
                // What ConfigureEndpoints does; an empty address listens on every interface.
                var silo = options.Value;
                o.AdvertisedIPAddress = AdvertisedAddress(silo);
                o.SiloPort = silo.SiloPort;
                o.GatewayPort = silo.GatewayPort;
                if (string.IsNullOrWhiteSpace(silo.AdvertisedAddress))
                {
                    o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, silo.SiloPort);
                    o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, silo.GatewayPort);
                }
            });
            orleans.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            orleans.AddAdoNetGrainStorage("users", o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            orleans.AddAdoNetGrainStorage("calls", o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            orleans.UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("orleans-silo");
        return builder;
    }

    /// <summary>The configured address, or in a container (setting left empty) this host's first IPv4 address.</summary>
    private static IPAddress AdvertisedAddress(SiloOptions silo) =>
        string.IsNullOrWhiteSpace(silo.AdvertisedAddress)
            ? Dns.GetHostAddresses(Dns.GetHostName()).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            : IPAddress.Parse(silo.AdvertisedAddress);

    public static IHostApplicationBuilder AddPresence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PresenceOptions>().BindConfiguration(PresenceOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>Calls: their deadlines, and the clock they are timed by.</summary>
    public static IHostApplicationBuilder AddCalls(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CallOptions>().BindConfiguration(CallOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(services => new CallClock(services.GetRequiredService<TimeProvider>()));

        builder.AllowReminderPeriod<CallOptions>(calls => calls.Backstop);
        return builder;
    }

    /// <summary>Orleans refuses reminder periods under its minimum (a minute by default): a shorter configured period lowers it.</summary>
    public static void AllowReminderPeriod<TOptions>(this IHostApplicationBuilder builder, Func<TOptions, TimeSpan> period)
        where TOptions : class =>
        builder.Services.AddOptions<ReminderOptions>().Configure<IOptions<TOptions>>((o, options) =>
            o.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(o.MinimumReminderPeriod.Ticks, period(options.Value).Ticks)));

    /// <summary>Brings the Orleans tables and queries up to date before the silo joins the cluster.</summary>
    public static Task ApplySchemaAsync(this WebApplication app) =>
        OrleansSchema.MigrateAsync(app.Configuration.PostgresConnectionString(), app.Lifetime.ApplicationStopping);

    public static WebApplication MapSiloHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        return app;
    }

    /// <summary>Tests only (Calls:TestClock): moves this silo's call clock forward, so a ring times out without a minute's wait.</summary>
    public static WebApplication MapCallTestClock(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<CallOptions>>().Value.TestClock)
        {
            app.MapPost("/test/calls/clock", (double seconds, CallClock clock) =>
            {
                clock.Advance(TimeSpan.FromSeconds(seconds));
                return Results.Ok(clock.Now);
            });
        }

        return app;
    }
}

/// <summary>Healthy once this silo is an active member of the cluster.</summary>
internal sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var me = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(me == Orleans.Runtime.SiloStatus.Active
            ? HealthCheckResult.Healthy($"{membership.CurrentSnapshot.Members.Count(m => m.Value.Status == Orleans.Runtime.SiloStatus.Active)} active silo(s)")
            : HealthCheckResult.Unhealthy($"silo is {me}"));
    }
}
