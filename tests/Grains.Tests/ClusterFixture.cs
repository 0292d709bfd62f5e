using Cybernet.Grains.Users;

using Microsoft.Extensions.DependencyInjection;

using Orleans.TestingHost;

namespace Cybernet.Grains.Tests;

/// <summary>An in-process Orleans test cluster with short presence leases, shared by the grain tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(1.5);

    public TestCluster Cluster { get; } = new TestClusterBuilder(1).AddSiloBuilderConfigurator<SiloConfigurator>().Build();

    public IGrainFactory Grains => Cluster.Client;

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage("users");
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.Configure<PresenceOptions>(o =>
            {
                o.Lease = Lease;
                o.Sweep = TimeSpan.FromMilliseconds(200);
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
