using System.Net;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using Orleans.Configuration;
using Orleans.Hosting;

namespace Cybernet.Silo.Tests;

/// <summary>
/// One test's Orleans deployment: a fresh, migrated database, a ClusterId and ServiceId of its own,
/// and real in-process silos (and clients) on the ADO.NET providers, started and stopped as the test
/// says. Disposing it stops whatever is still running.
/// </summary>
public sealed class SiloDeployment : IAsyncDisposable
{
    public const string StorageName = "store";
    private const string Invariant = "Npgsql";

    private readonly List<IHost> running = [];

    private SiloDeployment(string connectionString, string id)
    {
        ConnectionString = connectionString;
        ClusterId = $"cluster-{id}";
        ServiceId = $"service-{id}";
    }

    public string ConnectionString { get; }

    public string ClusterId { get; }

    public string ServiceId { get; }

    public static async Task<SiloDeployment> CreateAsync(string testName)
    {
        var server = await PostgresServer.GetSharedAsync();
        var connectionString = await server.CreateDatabaseAsync(testName);
        await OrleansSchema.MigrateAsync(connectionString);
        return new SiloDeployment(connectionString, Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>Starts a silo named <paramref name="siloName"/>; returns once it is an active member of the cluster.</summary>
    public async Task<IHost> StartSiloAsync(string siloName)
    {
        // No default configuration sources: the referenced Silo project's appsettings.json must not leak in.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = ClusterId;
                options.ServiceId = ServiceId;
            });
            // Fully qualified: Cybernet.Silo.SiloOptions (the app's own settings) is nearer in scope.
            silo.Configure<Orleans.Configuration.SiloOptions>(options => options.SiloName = siloName);
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePort.Next(), FreePort.Next());
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = ConnectionString;
            });
            silo.AddAdoNetGrainStorage(StorageName, options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = ConnectionString;
            });
            silo.UseAdoNetReminderService(options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = ConnectionString;
            });
            // Orleans refuses periods under a minute by default; a test cannot wait that long.
            silo.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromMilliseconds(200));
        });

        var host = builder.Build();
        await host.StartAsync();
        lock (running)
        {
            running.Add(host);
        }
        return host;
    }

    /// <summary>Starts an Orleans client that finds the silos through the membership table, as the Web app does.</summary>
    public async Task<IHost> StartClientAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = ClusterId;
                options.ServiceId = ServiceId;
            });
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = ConnectionString;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        lock (running)
        {
            running.Add(host);
        }
        return host;
    }

    /// <summary>Shuts a silo down gracefully, as a deploy would.</summary>
    public async Task StopSiloAsync(IHost silo)
    {
        lock (running)
        {
            running.Remove(silo);
        }
        await silo.StopAsync();
        silo.Dispose();
    }

    public static IGrainFactory Grains(IHost silo) => silo.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Opens a connection to the deployment's database for looking at the tables directly.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        IHost[] left;
        lock (running)
        {
            // Newest first: clients leave before the silos they talk to.
            left = [.. Enumerable.Reverse(running)];
            running.Clear();
        }
        foreach (var silo in left)
        {
            await silo.StopAsync();
            silo.Dispose();
        }
    }
}
