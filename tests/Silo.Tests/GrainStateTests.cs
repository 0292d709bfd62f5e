using Cybernet.Silo.Tests.Grains;

using Microsoft.Extensions.DependencyInjection;

using Orleans.Storage;

namespace Cybernet.Silo.Tests;

public sealed class GrainStateTests
{
    [Fact]
    public async Task Grain_state_survives_a_silo_restart()
    {
        await using var deployment = await SiloDeployment.CreateAsync(nameof(Grain_state_survives_a_silo_restart));
        var first = await deployment.StartSiloAsync("first");
        await SiloDeployment.Grains(first).GetGrain<ICounterGrain>("visits").AddAsync(5);
        Assert.Equal(7, await SiloDeployment.Grains(first).GetGrain<ICounterGrain>("visits").AddAsync(2));
        await deployment.StopSiloAsync(first);

        var second = await deployment.StartSiloAsync("second");

        Assert.Equal(7, await SiloDeployment.Grains(second).GetGrain<ICounterGrain>("visits").GetAsync());
    }

    [Fact]
    public async Task Writes_from_a_stale_etag_are_rejected()
    {
        await using var deployment = await SiloDeployment.CreateAsync(nameof(Writes_from_a_stale_etag_are_rejected));
        var storage = Storage(await deployment.StartSiloAsync("only"));
        var grain = GrainId.Create("counter", "contested");
        var winner = new GrainState<CounterState>(new CounterState { Value = 1 });
        var lateCreator = new GrainState<CounterState>(new CounterState { Value = 2 });
        await storage.WriteStateAsync("counter", grain, winner);

        // Two activations that both saw no row: only the first insert may win.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grain, lateCreator));

        var staleReader = new GrainState<CounterState>(new CounterState { Value = 3 }) { ETag = winner.ETag, RecordExists = true };
        await storage.WriteStateAsync("counter", grain, winner);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grain, staleReader));

        var read = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("counter", grain, read);
        Assert.NotNull(read.State);
        Assert.Equal((1, winner.ETag), (read.State.Value, read.ETag));
    }

    [Fact]
    public async Task Cleared_state_reads_as_absent_and_can_be_written_again()
    {
        await using var deployment = await SiloDeployment.CreateAsync(nameof(Cleared_state_reads_as_absent_and_can_be_written_again));
        var storage = Storage(await deployment.StartSiloAsync("only"));
        var grain = GrainId.Create("counter", "cleared");
        var state = new GrainState<CounterState>(new CounterState { Value = 4 });
        await storage.WriteStateAsync("counter", grain, state);

        await storage.ClearStateAsync("counter", grain, state);

        var afterClear = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("counter", grain, afterClear);
        Assert.False(afterClear.RecordExists);
        Assert.NotNull(afterClear.State);
        Assert.Equal(0, afterClear.State.Value);
        afterClear.State.Value = 9;
        await storage.WriteStateAsync("counter", grain, afterClear);
        var again = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("counter", grain, again);
        Assert.NotNull(again.State);
        Assert.Equal(9, again.State.Value);
    }

    private static IGrainStorage Storage(Microsoft.Extensions.Hosting.IHost silo) =>
        silo.Services.GetRequiredKeyedService<IGrainStorage>(SiloDeployment.StorageName);
}
