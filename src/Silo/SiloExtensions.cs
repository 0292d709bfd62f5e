using System.Net;

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
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        builder.Services.AddOptions<SiloOptions>().BindConfiguration(SiloOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        var silo = builder.Configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();

        builder.UseOrleans(orleans =>
        {
            orleans.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = silo.ClusterId;
                o.ServiceId = silo.ServiceId;
            });
            orleans.ConfigureEndpoints(AdvertisedAddress(silo), silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: string.IsNullOrWhiteSpace(silo.AdvertisedAddress));
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

    /// <summary>Brings the Orleans tables and queries up to date before the silo joins the cluster.</summary>
    public static Task ApplySchemaAsync(this WebApplication app) =>
        OrleansSchema.MigrateAsync(app.Configuration.GetConnectionString("Postgres")!, app.Lifetime.ApplicationStopping);

    public static WebApplication MapSiloHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health");
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
