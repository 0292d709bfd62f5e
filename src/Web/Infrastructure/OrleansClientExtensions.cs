using Cybernet.Shared;

using Microsoft.Extensions.Options;

using Orleans.Configuration;
using Orleans.Hosting;

namespace Cybernet.Web.Infrastructure;

/// <summary>The Orleans client: finds gateways through the PostgreSQL membership table and keeps retrying until a silo answers.</summary>
public static class OrleansClientExtensions
{
    public static IHostApplicationBuilder AddClusterClient(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.PostgresConnectionString();
        builder.Services.AddOptions<ClusterClientOptions>().BindConfiguration(ClusterClientOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        builder.UseOrleansClient(client =>
        {
            // From the validated options, after Orleans's own defaults.
            client.Services.AddOptions<ClusterOptions>().Configure<IOptions<ClusterClientOptions>>((o, cluster) =>
            {
                o.ClusterId = cluster.Value.ClusterId;
                o.ServiceId = cluster.Value.ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            // Web and silo may start in any order: wait for the cluster rather than failing start-up.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });
        return builder;
    }
}
