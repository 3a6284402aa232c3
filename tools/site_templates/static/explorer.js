// The precomputed explorers of the static site (tools/site.py): each position of the sliders shows a
// picture drawn when the site was built. A K or seed move shows that run; the EM-step slider (02) then
// goes to the end of the run, as the live explorer's does.
document.querySelectorAll(".cfgmm-explorer").forEach(function (box) {
  var data = JSON.parse(box.querySelector("script.cfgmm-explorer-data").textContent);
  var picture = box.querySelector("img.cfgmm-picture");
  var caption = box.querySelector(".cfgmm-caption");
  var inputs = {};
  box.querySelectorAll("input[type=range]").forEach(function (input) { inputs[input.name] = input; });

  function run() {
    return data.runs[data.keys.map(function (k) { return inputs[k].value; }).join(",")];
  }

  function show() {
    var r = run();
    var i = inputs.step ? Number(inputs.step.value) : 0;
    data.keys.forEach(function (k) { inputs[k].parentNode.querySelector("output").textContent = inputs[k].value; });
    if (inputs.step) {
      inputs.step.parentNode.querySelector("output").textContent = r.steps[i] + " of " + (r.n - 1);
      caption.innerHTML = r.captions[i];
    }
    picture.src = r.pictures[i];
    picture.alt = r.captions[i].replace(/<[^>]*>/g, "");
  }

  data.keys.forEach(function (k) {
    inputs[k].addEventListener("input", function () {
      if (inputs.step) {  // a new run: the step slider to its end
        var last = run().pictures.length - 1;
        inputs.step.max = last;
        inputs.step.value = last;
      }
      show();
    });
  });
  if (inputs.step) inputs.step.addEventListener("input", show);
});
