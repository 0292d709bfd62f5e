using Orleans.Configuration;
using Orleans.Hosting;

namespace Cybernet.Web.Infrastructure;

/// <summary>The Orleans client: finds gateways through the PostgreSQL membership table and keeps retrying until a silo answers.</summary>
public static class OrleansClientExtensions
{
    public static IHostApplicationBuilder AddClusterClient(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        builder.Services.AddOptions<ClusterClientOptions>().BindConfiguration(ClusterClientOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        var cluster = builder.Configuration.GetSection(ClusterClientOptions.SectionName).Get<ClusterClientOptions>() ?? new ClusterClientOptions();

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
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
